/**
 * What every session operation needs, as plain values: the tmux server for new sessions,
 * the registry, the rule stack (rules and agent profiles), the clock, the caller's working
 * directory and environment. Built by the command layer from its options; tests build it
 * directly.
 */
import type { Stack } from '../agents/stack.js';
import { systemClock, type Clock } from '../clock.js';
import { registryPath, resolveStateDir } from '../state/paths.js';
import type { TmuxServer } from '../tmux/run.js';

export interface SessionContext {
  /** The server named by --socket / KB_TMUX_SOCKET (used for new sessions). */
  server: TmuxServer;
  sessionId: string;
  stateDir: string;
  registry: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  clock: Clock;
  stack(): Stack;
}

export interface SessionContextOptions {
  sessionId: string;
  socket?: string | undefined;
  stateDir?: string | undefined;
  cwd: string;
  env: NodeJS.ProcessEnv;
  stack: () => Stack;
  clock?: Clock;
}

export function createSessionContext(options: SessionContextOptions): SessionContext {
  const stateDir = resolveStateDir({ stateDir: options.stateDir, cwd: options.cwd, env: options.env });
  return {
    server: { socket: options.socket },
    sessionId: options.sessionId,
    stateDir,
    registry: registryPath(stateDir, options.sessionId),
    cwd: options.cwd,
    env: options.env,
    clock: options.clock ?? systemClock,
    stack: options.stack,
  };
}

/** The directory of kb's own files in the state directory. */
export function kbDir(ctx: Pick<SessionContext, 'stateDir'>): string {
  return `${ctx.stateDir}/kage-bunshin`;
}
