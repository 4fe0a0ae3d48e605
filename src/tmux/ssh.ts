/**
 * Reaching a tmux server on another machine. A remote call is ONE `ssh` process that runs
 * `tmux ...` there, with every argument shell-quoted, and what a local call carries on
 * stdin (`source-file -`, `load-buffer -`) still goes on stdin: no secret reaches an argv
 * on either machine. Connections are shared: ControlMaster=auto with a ControlPath in a
 * private 0700 directory and ControlPersist, so after the first call a call costs no new
 * handshake (about 7 ms through the master, plus whatever the remote login shell's rc
 * files cost: ssh always runs the command through that shell).
 *
 * ssh never prompts (BatchMode) and every call has a deadline; an ssh failure (exit 255:
 * refused, unreachable, denied, unknown host key) is an SshError naming the host and the
 * fix, and the host is remembered as down for the rest of the process, so the calls after
 * it fail at once instead of each waiting again.
 *
 * Test and special setups pass their own ssh_config with KB_SSH_CONFIG (ssh -F: then
 * ~/.ssh/config is not read) and their own control directory with KB_SSH_CONTROL_DIR.
 */
import { lstatSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execBounded, type ExecResult } from './exec.js';
import { SshDestinationError, TmuxError } from './errors.js';

/** An ssh destination as kb takes it: `host`, `user@host`, `host:port`, `[v6]:port`, `ssh://user@host:port`, an ssh_config alias. */
export interface SshDestination {
  /** What ssh gets as its destination argument (`user@host`, no port). */
  target: string;
  port: number | undefined;
}

const HOST = /^[A-Za-z0-9_](?:[A-Za-z0-9._-]{0,252})$/;
const V6 = /^[0-9A-Fa-f:.]+(?:%[A-Za-z0-9_.-]+)?$/;
const USER = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/;

function badHost(dest: string, why: string): SshDestinationError {
  return new SshDestinationError(
    `invalid --host ${JSON.stringify(dest)}: ${why}`,
    'give an ssh destination: host, user@host, user@host:port, [v6addr]:port or an alias from ~/.ssh/config',
  );
}

/** Parses and checks a destination (a leading `-` would be an ssh option: refused). */
export function parseDestination(dest: string): SshDestination {
  let rest = dest.trim();
  if (rest !== dest || rest === '') throw badHost(dest, 'empty or padded with spaces');
  if (rest.startsWith('ssh://')) rest = rest.slice('ssh://'.length).replace(/\/$/, '');
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (!USER.test(user)) throw badHost(dest, `the user ${JSON.stringify(user)} is not a user name`);
  }
  let host: string;
  let portText: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (v6) {
    host = v6[1]!;
    portText = v6[2];
    if (!V6.test(host)) throw badHost(dest, `${JSON.stringify(host)} is not an IPv6 address`);
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon >= 0) {
      portText = rest.slice(colon + 1);
      host = rest.slice(0, colon);
      if (!/^\d+$/.test(portText)) throw badHost(dest, `the port ${JSON.stringify(portText)} is not a number (for IPv6 write [addr]:port)`);
    } else host = rest;
    if (!HOST.test(host)) throw badHost(dest, `${JSON.stringify(host)} is not a host name (letters, digits, . _ -; not starting with -)`);
  }
  let port: number | undefined;
  if (portText !== undefined) {
    port = Number(portText);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw badHost(dest, `the port ${portText} is out of range`);
  }
  return { target: user ? `${user}@${host}` : host, port };
}

/** The private directory of the ssh control sockets: KB_SSH_CONTROL_DIR, else <tmp>/kb-ssh-<uid>. */
export function controlDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.KB_SSH_CONTROL_DIR || path.join(os.tmpdir(), `kb-ssh-${process.getuid?.() ?? 'user'}`);
}

let checkedDir: string | null = null;

/**
 * Creates the control directory 0700, or checks that an existing one is ours and private:
 * whoever can write there could put a socket of their own in the way of our connections.
 */
export function ensureControlDir(dir: string): void {
  if (checkedDir === dir) return;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new TmuxError(`cannot create the ssh control directory ${dir}: ${(error as Error).message}`, {
      hint: 'set KB_SSH_CONTROL_DIR to a directory kb may create (0700)',
    });
  }
  const st = lstatSync(dir);
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o077) !== 0) {
    throw new TmuxError(`the ssh control directory ${dir} is not private (it must be a directory of yours with mode 0700)`, {
      hint: `remove it or chmod 700 it, or set KB_SSH_CONTROL_DIR to a private directory`,
    });
  }
  checkedDir = dir;
}

/**
 * One argument for the remote login shell: runs of ordinary characters in single quotes,
 * each `'` and `\` escaped outside them. The same text means the same in sh, bash, dash,
 * zsh, ksh and fish (fish treats `\\` inside single quotes as an escape; this never puts
 * one there).
 */
export function shellQuote(arg: string): string {
  if (arg === '') return "''";
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return arg
    .split(/(['\\])/)
    .filter((part) => part !== '')
    .map((part) => (part === "'" ? "\\'" : part === '\\' ? '\\\\' : `'${part}'`))
    .join('');
}

/** A command line for the remote shell from an argv. */
export function remoteCommand(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

/** The tmux binary on remote hosts (KB_REMOTE_TMUX; default `tmux` on the remote login's PATH). */
export function remoteTmuxBinary(env: NodeJS.ProcessEnv = process.env): string {
  return env.KB_REMOTE_TMUX || 'tmux';
}

/** How long a new ssh connection may take (KB_SSH_CONNECT_TIMEOUT seconds, default 10; the monitor ties it to its interval). */
let connectMs = Number(process.env.KB_SSH_CONNECT_TIMEOUT) > 0 ? Number(process.env.KB_SSH_CONNECT_TIMEOUT) * 1000 : 10_000;

export function sshConnectTimeout(): number {
  return connectMs;
}

export function setSshConnectTimeout(ms: number): void {
  if (Number(process.env.KB_SSH_CONNECT_TIMEOUT) > 0) return; // the user's setting wins
  connectMs = Math.max(1000, Math.round(ms));
}

/** Hosts this process has reached: their connection (master) is up, a call needs no handshake time. */
const reached = new Set<string>();
/** Hosts that failed: later calls fail at once with the same error. */
const down = new Map<string, SshError>();

/** The time a call to the host gets on top of its own deadline: the handshake, until one call got through. */
export function connectAllowance(host: string): number {
  return reached.has(host) ? 0 : connectMs;
}

export function markReached(host: string): void {
  reached.add(host);
  down.delete(host);
}

export function hostDownError(host: string): SshError | undefined {
  return down.get(host);
}

export function markHostDown(host: string, error: SshError): void {
  reached.delete(host);
  down.set(host, error);
}

/** Forgets that hosts failed (one host, or all): the monitor retries a host after its backoff. */
export function forgetHostDown(host?: string): void {
  if (host === undefined) down.clear();
  else down.delete(host);
}

/** The ssh options kb uses for every call (before the destination). */
export function sshOptions(dest: SshDestination, env: NodeJS.ProcessEnv = process.env): string[] {
  const dir = controlDir(env);
  ensureControlDir(dir);
  const opts: string[] = [];
  if (env.KB_SSH_CONFIG) opts.push('-F', env.KB_SSH_CONFIG);
  opts.push(
    '-T', // no terminal: tmux talks over plain pipes, as locally
    '-a', // no agent forwarding
    '-x', // no X11 forwarding
    '-o', 'BatchMode=yes', // never a password or host-key prompt: fail instead
    '-o', `ConnectTimeout=${Math.max(1, Math.ceil(connectMs / 1000))}`,
    '-o', 'ControlMaster=auto',
    '-o', `ControlPath=${dir}/%C`,
    '-o', 'ControlPersist=60',
    '-o', 'ServerAliveInterval=10',
    '-o', 'ServerAliveCountMax=3',
    '-o', 'LogLevel=ERROR',
  );
  if (dest.port !== undefined) opts.push('-p', String(dest.port));
  return opts;
}

/** The argv of `ssh` that runs `argv` on the host. */
export function sshArgv(host: string, argv: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const dest = parseDestination(host);
  return [...sshOptions(dest, env), '--', dest.target, remoteCommand(argv)];
}

export type SshFailure = 'refused' | 'unreachable' | 'timeout' | 'denied' | 'hostkey' | 'resolve' | 'other';

/** ssh could not reach the host (or gave up on it): the tmux layer's error for a remote server. */
export class SshError extends TmuxError {
  readonly host: string;
  readonly kind: SshFailure;

  constructor(host: string, kind: SshFailure, message: string, hint: string) {
    super(message, { hint });
    this.name = 'SshError';
    this.host = host;
    this.kind = kind;
  }
}

function checkCommand(host: string, env: NodeJS.ProcessEnv): string {
  return `ssh ${env.KB_SSH_CONFIG ? `-F ${env.KB_SSH_CONFIG} ` : ''}-o BatchMode=yes ${host} true`;
}

/** The error for an ssh exit 255 (ssh's own failure), from what ssh said. */
export function sshFailure(host: string, stderr: string, env: NodeJS.ProcessEnv = process.env): SshError {
  const said = stderr.replace(/\r/g, '').split('\n').map((l) => l.trim()).filter(Boolean).join('; ') || 'ssh exited 255';
  const check = checkCommand(host, env);
  if (/connection refused/i.test(said)) {
    return new SshError(host, 'refused', `host "${host}" refused the ssh connection (${said})`, `check that sshd runs there and the port is right: ${check}`);
  }
  if (/timed out|no route to host|network is unreachable|host is down|connection reset|connection closed|broken pipe|closed by remote host/i.test(said)) {
    return new SshError(host, 'unreachable', `host "${host}" cannot be reached over ssh (${said})`, `check that it is up and the network path to it: ${check}`);
  }
  if (/permission denied|too many authentication failures|no supported authentication/i.test(said)) {
    return new SshError(
      host,
      'denied',
      `ssh to "${host}" was refused: ${said}`,
      `kb logs in with keys and never prompts (BatchMode): load your key into ssh-agent or set IdentityFile for it in ~/.ssh/config, then check: ${check}`,
    );
  }
  if (/host key verification failed|remote host identification has changed|no .* host key is known/i.test(said)) {
    return new SshError(host, 'hostkey', `ssh to "${host}": host key verification failed (${said})`, `connect once by hand to check and accept its host key: ssh ${host} true`);
  }
  if (/could not resolve|name or service not known|nodename nor servname/i.test(said)) {
    return new SshError(host, 'resolve', `cannot resolve host "${host}" (${said})`, 'check the name, or add a Host entry for it to ~/.ssh/config');
  }
  return new SshError(host, 'other', `ssh to "${host}" failed: ${said}`, `check the connection by hand: ${check}`);
}

export function sshTimeout(host: string, what: string, ms: number, env: NodeJS.ProcessEnv = process.env): SshError {
  return new SshError(
    host,
    'timeout',
    `host "${host}" did not answer ${what} over ssh within ${ms} ms`,
    `the host, the network path to it or its tmux server is down or hung: check ${checkCommand(host, env)}`,
  );
}

/**
 * Runs an argv on the host (no tmux: the helpers kb needs there, such as ending process
 * groups or testing a path). Throws an SshError when ssh fails (exit 255) or the deadline
 * passes; otherwise the program's own result.
 */
export async function runOnHost(
  host: string,
  argv: readonly string[],
  options: { input?: string; timeoutMs: number; what?: string },
): Promise<ExecResult & { exitCode: number }> {
  const earlier = down.get(host);
  if (earlier) throw earlier;
  const timeoutMs = options.timeoutMs + connectAllowance(host);
  let result: ExecResult;
  try {
    result = await execBounded('ssh', sshArgv(host, argv), { input: options.input, timeoutMs });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new TmuxError('ssh is not installed or not on PATH (needed for --host)', { hint: 'install the OpenSSH client (Debian/Ubuntu: apt-get install -y openssh-client)' });
    }
    throw new TmuxError(`cannot run ssh: ${(error as Error).message}`, { hint: 'check that ssh runs: ssh -V', cause: error });
  }
  checkSshOutcome(host, result, options.what ?? argv[0] ?? 'a command', timeoutMs);
  return { ...result, exitCode: result.exitCode ?? 1 };
}

/**
 * What an ssh run's own outcome says about its host: timed out, or ssh itself failed (exit
 * 255: refused, denied, unknown host): throws that as an SshError, remembered for the host
 * (or, `onTimeout`, for whatever the caller waited on); otherwise the host was reached.
 */
export function checkSshOutcome(host: string, result: { timedOut: boolean; exitCode: number | null; stderr: string }, what: string, timeoutMs: number, onTimeout: (error: SshError) => void = (e) => markHostDown(host, e)): void {
  if (result.timedOut) {
    const error = sshTimeout(host, what, timeoutMs);
    onTimeout(error);
    throw error;
  }
  if (result.exitCode === 255) {
    const error = sshFailure(host, result.stderr);
    markHostDown(host, error);
    throw error;
  }
  markReached(host);
}

/**
 * The remote side of a launch: the agent starts through the user's login shell there
 * (`$SHELL -l -c 'exec "$0" "$@"' argv...`), so it sees the PATH and profile a login on
 * that host gives, not the bare environment sshd gives a command. Shells that do not take
 * `-c` with `$0` that way (fish, csh) run the program directly.
 */
export const LOGIN_SCRIPT = [
  'case "${SHELL##*/}" in',
  '  bash|zsh|sh|dash|ksh|mksh|ash|yash) exec "$SHELL" -l -c \'exec "$0" "$@"\' "$@" ;;',
  '  *) exec "$@" ;;',
  'esac',
].join('\n');

export function loginArgv(argv: readonly string[]): string[] {
  return ['/bin/sh', '-c', LOGIN_SCRIPT, 'kb-login', ...argv];
}
