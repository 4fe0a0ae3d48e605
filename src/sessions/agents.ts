/**
 * The agents spawn knows: how to build the command line, which binary (overridable per
 * agent through an environment variable, so tests and users can pin a version), which
 * rule pack classifies its screen, and how it is stopped gracefully.
 */
import { basename } from 'node:path';
import { KbError, UsageError } from '../errors.js';

export type AgentKind = 'claude' | 'codex' | 'gemini' | 'shell' | 'custom';

export const PERMISSION_MODES = ['default', 'acceptEdits', 'plan', 'bypassPermissions', 'auto', 'dontAsk'] as const;

/** Environment variables that name the binary for each agent (default: the name on PATH). */
export const BIN_ENV: Record<'claude' | 'codex' | 'gemini', string> = {
  claude: 'KB_CLAUDE_BIN',
  codex: 'KB_CODEX_BIN',
  gemini: 'KB_GEMINI_BIN',
};

export interface AgentOptions {
  name: string;
  model?: string | undefined;
  maxBudget?: string | undefined;
  permissionMode?: string | undefined;
  env: NodeJS.ProcessEnv;
  isRoot: boolean;
}

export interface AgentLaunch {
  kind: AgentKind;
  /** The agent name recorded in the registry and given to the classifier. */
  agent: string;
  /** argv for tmux new-session; one element = a shell command line. */
  command: string[];
  /** The worktree name, for claude. */
  worktree: string | null;
}

export function agentKind(agent: string): AgentKind {
  return agent === 'claude' || agent === 'codex' || agent === 'gemini' || agent === 'shell' ? agent : 'custom';
}

/** True for the root user: Claude Code refuses bypassPermissions as root. */
export function isRootUser(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Root without IS_SANDBOX=1: where Claude Code exits at once under bypassPermissions. */
export function rootWithoutSandbox(env: NodeJS.ProcessEnv, isRoot: boolean = isRootUser()): boolean {
  return isRoot && env.IS_SANDBOX !== '1';
}

export function agentBinary(kind: 'claude' | 'codex' | 'gemini', env: NodeJS.ProcessEnv): string {
  return env[BIN_ENV[kind]] || kind;
}

/**
 * The classifier's agent name for a custom command: its program's name when that is a
 * known agent (`claude --model x` -> claude), else "shell" (generic prompts, y/n, ...).
 */
export function classifierAgent(agent: string): string {
  const kind = agentKind(agent);
  if (kind !== 'custom') return kind;
  const first = basename(agent.trim().split(/\s+/)[0] ?? '');
  if (/^claude/.test(first)) return 'claude';
  if (/^codex/.test(first)) return 'codex';
  if (/^gemini/.test(first)) return 'gemini';
  return 'shell';
}

export function buildLaunch(agent: string, options: AgentOptions): AgentLaunch {
  const kind = agentKind(agent);
  switch (kind) {
    case 'claude': {
      const mode = options.permissionMode ?? 'bypassPermissions';
      if (!(PERMISSION_MODES as readonly string[]).includes(mode)) {
        throw new UsageError(
          `invalid --permission-mode ${JSON.stringify(mode)}`,
          `use one of ${PERMISSION_MODES.join(', ')}`,
        );
      }
      if (mode === 'bypassPermissions' && rootWithoutSandbox(options.env, options.isRoot)) {
        throw new KbError(
          'Claude Code refuses --permission-mode bypassPermissions (--dangerously-skip-permissions) as root: it exits at once with "cannot be used with root/sudo privileges"',
          {
            hint: 'pass --permission-mode default (or acceptEdits), run as a normal user, or, only inside a throw-away sandbox or container, export IS_SANDBOX=1 before spawning',
          },
        );
      }
      const command = [agentBinary('claude', options.env), '--worktree', options.name];
      if (options.model) command.push('--model', options.model);
      if (options.maxBudget) command.push('--max-budget-usd', options.maxBudget);
      if (mode === 'bypassPermissions') command.push('--dangerously-skip-permissions');
      else command.push('--permission-mode', mode);
      return { kind, agent: 'claude', command, worktree: options.name };
    }
    case 'codex':
    case 'gemini': {
      const command = [agentBinary(kind, options.env)];
      if (options.model) command.push('--model', options.model);
      rejectClaudeOnly(kind, options);
      return { kind, agent: kind, command, worktree: null };
    }
    case 'shell': {
      rejectClaudeOnly(kind, options);
      return { kind, agent: 'shell', command: [options.env.SHELL || '/bin/bash'], worktree: null };
    }
    case 'custom': {
      if (agent.trim() === '') throw new UsageError('--agent is empty', 'use claude, codex, gemini, shell, or a command line');
      rejectClaudeOnly(kind, options);
      return { kind, agent, command: [agent], worktree: null };
    }
  }
}

function rejectClaudeOnly(kind: AgentKind, options: AgentOptions): void {
  if (options.maxBudget) throw new UsageError(`--max-budget applies to --agent claude only (not ${kind})`);
  if (options.permissionMode) throw new UsageError(`--permission-mode applies to --agent claude only (not ${kind})`);
}
