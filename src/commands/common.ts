/**
 * What the command files share: the global options (defined once on the root program,
 * validated here, one way, with one error shape), the rule stack they load, the session
 * context they hand to src/sessions as plain options, and output helpers.
 */
import type { Command } from 'commander';
import { loadStack, type Stack } from '../agents/stack.js';
import { UsageError } from '../errors.js';
import { createSessionContext, type SessionContext } from '../sessions/context.js';
import { validateSessionId } from '../state/paths.js';

/** Commander reducer for repeatable options (`--rules A --rules B`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Writes one compact JSON object as one line in a single write, so it is never torn. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Appends an "Examples:" block to a command's help. */
export function withExamples(command: Command, ...lines: string[]): Command {
  return command.addHelpText('after', `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}`);
}

/** The global options, validated: what every command passes on as plain values. */
export interface Globals {
  sessionId: string;
  socket: string | undefined;
  stateDir: string | undefined;
  /** --rules directories (or KB_RULES), layered over the built-in packs in this order. */
  rules: string[];
}

interface RawGlobals {
  sessionId?: string;
  socket?: string;
  stateDir?: string;
  rules?: string[];
}

const SOCKET_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/** A flag's value, else its environment variable's; an empty one is an error, never "unset". */
function pick(flag: string | undefined, flagName: string, envName: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (flag !== undefined) {
    if (flag.trim() === '') throw new UsageError(`${flagName} is empty`, `give ${flagName} a value, or leave the option out`);
    return flag;
  }
  if (envName === undefined) return undefined;
  const value = env[envName];
  if (value === undefined) return undefined;
  if (value.trim() === '') {
    throw new UsageError(`${envName} is set but empty`, `unset ${envName} (unset ${envName}), or set it to a value; an empty value would silently mean the default`);
  }
  return value;
}

export function parseGlobals(raw: RawGlobals, env: NodeJS.ProcessEnv = process.env): Globals {
  const socket = pick(raw.socket, '--socket', 'KB_TMUX_SOCKET', env);
  if (socket !== undefined && !SOCKET_NAME.test(socket)) {
    throw new UsageError(
      `invalid --socket ${JSON.stringify(socket)}: a tmux socket NAME (as tmux -L) of A-Z a-z 0-9 _ . - (no /)`,
      'pick a name such as "fleet"; tmux keeps the socket in its own directory (/tmp/tmux-UID/NAME)',
    );
  }
  const sessionId = validateSessionId(pick(raw.sessionId, '--session-id', 'KB_SESSION_ID', env));
  const stateDir = pick(raw.stateDir, '--state-dir', undefined, env);
  const rules = raw.rules?.length ? raw.rules : (env.KB_RULES ?? '').split(':').filter((d) => d.trim() !== '');
  for (const dir of raw.rules ?? []) if (dir.trim() === '') throw new UsageError('--rules is empty', 'pass a directory of rule packs');
  return { sessionId, socket, stateDir, rules };
}

export function globals(command: Command): Globals {
  return parseGlobals(command.optsWithGlobals() as RawGlobals);
}

const stacks = new Map<string, Stack>();

/** The rule stack (built-in packs + --rules / KB_RULES), loaded once per process. */
export function stackFor(command: Command): Stack {
  const dirs = globals(command).rules;
  const key = dirs.join('\u0000');
  let stack = stacks.get(key);
  if (!stack) {
    stack = loadStack(dirs);
    stacks.set(key, stack);
  }
  return stack;
}

/** The session context for src/sessions: plain options, no commander. */
export function sessionContextFor(command: Command): SessionContext {
  const g = globals(command);
  return createSessionContext({
    sessionId: g.sessionId,
    socket: g.socket,
    stateDir: g.stateDir,
    cwd: process.cwd(),
    env: process.env,
    stack: () => stackFor(command),
  });
}
