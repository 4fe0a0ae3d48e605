/** What every session command needs: the tmux server, the registry path, the rules. */
import type { Command } from 'commander';
import { globalOptions } from '../commands/common.js';
import { loadRuleSet, type RuleSet } from '../rules/load.js';
import { registryPath, resolveStateDir, validateSessionId } from '../state/paths.js';
import type { TmuxServer } from '../tmux/run.js';

export interface SessionContext {
  /** The server named by --socket / KB_TMUX_SOCKET (used for new sessions). */
  server: TmuxServer;
  sessionId: string;
  stateDir: string;
  registry: string;
  rules(): Promise<RuleSet>;
}

export function sessionContext(command: Command): SessionContext {
  const opts = globalOptions(command);
  const sessionId = validateSessionId(opts.sessionId || process.env.KB_SESSION_ID || undefined);
  const stateDir = resolveStateDir({ stateDir: opts.stateDir });
  let rules: Promise<RuleSet> | undefined;
  return {
    server: { socket: opts.socket || process.env.KB_TMUX_SOCKET || undefined },
    sessionId,
    stateDir,
    registry: registryPath(stateDir, sessionId),
    rules: () => (rules ??= loadRuleSet()),
  };
}
