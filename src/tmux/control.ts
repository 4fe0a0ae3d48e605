/**
 * A persistent tmux control-mode client (`tmux -C`): one long-lived tmux process that
 * takes one command per line on stdin and answers each in a `%begin T N F` ... `%end T N F`
 * (or `%error T N F`) block. Commands are pipelined and their replies matched first-in
 * first-out; a block closes only on the `%end`/`%error` whose time and number match its
 * `%begin`, because capture output inside a block is raw pane text.
 *
 * The client attaches with `-f no-output,ignore-size` so it neither receives pane output
 * nor changes any window size. When tmux prints `%exit` or the process dies, every pending
 * command is rejected with a ControlClosedError. close() detaches (ends stdin); it never
 * kills the server.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { TmuxError, TmuxMissingError } from './errors.js';
import { isNoServer, noServerHint, serverLabel, tmuxDeadline, tmuxInvocation, type TmuxServer } from './run.js';
import { connectAllowance, hostDownError, markReached, sshFailure } from './ssh.js';

/** One reply block: the lines between `%begin` and `%end`, or the error text of `%error`. */
export interface ControlBlock {
  time: string;
  number: string;
  /** 1 when the command came from this client's stdin; 0 for the attach command itself. */
  flags: number;
  ok: boolean;
  lines: string[];
}

export type ControlEvent =
  | { type: 'block'; block: ControlBlock }
  | { type: 'exit'; reason: string }
  | { type: 'notification'; line: string };

const BEGIN = /^%begin (\d+) (\d+) (\d+)$/;

/**
 * Pure framing: bytes (decoded text) in, events out. Lines outside a block that start with
 * `%` are notifications; inside a block every line is data until the matching guard.
 */
export class ControlParser {
  private partial = '';
  private open: { time: string; number: string; flags: number; lines: string[] } | null = null;

  feed(text: string): ControlEvent[] {
    const events: ControlEvent[] = [];
    const data = this.partial + text;
    let start = 0;
    for (;;) {
      const nl = data.indexOf('\n', start);
      if (nl < 0) break;
      this.line(data.slice(start, nl), events);
      start = nl + 1;
    }
    this.partial = data.slice(start);
    return events;
  }

  /** True while a block is open (its `%end` not seen yet). */
  get inBlock(): boolean {
    return this.open !== null;
  }

  private line(line: string, events: ControlEvent[]): void {
    const open = this.open;
    if (open) {
      if (line.startsWith('%end ') || line.startsWith('%error ')) {
        const ok = line.startsWith('%end ');
        const rest = line.slice(ok ? 5 : 7).split(' ');
        if (rest[0] === open.time && rest[1] === open.number) {
          this.open = null;
          events.push({ type: 'block', block: { time: open.time, number: open.number, flags: open.flags, ok, lines: open.lines } });
          return;
        }
      }
      open.lines.push(line);
      return;
    }
    const begin = BEGIN.exec(line);
    if (begin) {
      this.open = { time: begin[1]!, number: begin[2]!, flags: Number(begin[3]), lines: [] };
      return;
    }
    if (line === '%exit' || line.startsWith('%exit ')) {
      events.push({ type: 'exit', reason: line.slice(6) });
      return;
    }
    events.push({ type: 'notification', line });
  }
}

/** The control client (or its server) went away; every pending and later command gets this. */
export class ControlClosedError extends TmuxError {
  /** True when tmux said there is no server (it was never there or it died). */
  readonly serverGone: boolean;
  /** True when the server did not answer a command within the deadline. */
  readonly timedOut: boolean;

  constructor(message: string, serverGone: boolean, hint?: string, timedOut = false) {
    super(message, { hint: hint ?? 'check that the tmux server is still running (tmux list-sessions)' });
    this.name = 'ControlClosedError';
    this.serverGone = serverGone;
    this.timedOut = timedOut;
  }
}

/** A command answered with `%error`: tmux's words are the message. */
export class ControlCommandError extends TmuxError {
  readonly command: string;

  constructor(command: string, said: string) {
    super(`tmux ${command.split(' ')[0] ?? ''} failed: ${said}`, { hint: 'check the tmux target' });
    this.name = 'ControlCommandError';
    this.command = command;
  }
}

export type ControlReply = { ok: true; lines: string[] } | { ok: false; error: string };

interface Pending {
  command: string;
  resolve(reply: ControlReply): void;
  reject(error: Error): void;
}

export interface ControlOptions {
  /** How long to wait for the attach to be answered (default 5000 ms). */
  connectTimeoutMs?: number;
  /** A reply not seen within this time closes the client (default: the tmux deadline): no hang. */
  commandTimeoutMs?: number;
  /** The tmux binary (tests). */
  tmuxBin?: string;
}

/**
 * The program, argv and environment that reach the server the rest of the tool talks to.
 * Inside tmux without --socket, `$TMUX` names the server: pass its socket path with -S and
 * drop `$TMUX` so that attaching is not refused as nesting. A remote server: the same
 * control client run there through ssh (its stdin and stdout are the ssh channel's).
 */
export function controlSpawnArgs(server: TmuxServer, env: NodeJS.ProcessEnv = process.env): { file: string; args: string[]; env: NodeJS.ProcessEnv } {
  if (server.host) {
    const remote = tmuxInvocation(server, ['-C', 'attach-session', '-f', 'no-output,ignore-size'], env);
    return { file: remote.file, args: remote.args, env: remote.env };
  }
  const childEnv: NodeJS.ProcessEnv = { ...env, LANG: env.LANG || 'C.UTF-8' };
  const args: string[] = [];
  if (server.socket) args.push('-L', server.socket);
  else if (env.TMUX) {
    const socketPath = env.TMUX.split(',')[0];
    if (socketPath) args.push('-S', socketPath);
  }
  delete childEnv.TMUX;
  args.push('-u', '-C', 'attach-session', '-f', 'no-output,ignore-size');
  return { file: 'tmux', args, env: childEnv };
}

export class ControlClient {
  private readonly parser = new ControlParser();
  private readonly pending: Pending[] = [];
  private closedError: ControlClosedError | null = null;
  private readonly closeListeners: Array<(error: ControlClosedError) => void> = [];
  private stderr = '';
  private timer: NodeJS.Timeout | null = null;
  private exited: Promise<void>;
  private ready: { resolve(): void; reject(error: Error): void } | null = null;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly server: TmuxServer,
    private readonly commandTimeoutMs: number,
  ) {
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => this.onData(chunk));
    child.stderr.on('data', (chunk: string) => {
      if (this.stderr.length < 4096) this.stderr += chunk;
    });
    child.stdin.on('error', () => {
      /* EPIPE when tmux went away: the exit handler reports it */
    });
    // Settles on the client's EXIT: its pipes may stay open in a stopped server (tmux hands
    // them over), so 'close' alone could never come. 'close' normally follows within ms and
    // brings the last stderr words, so it gets a moment first.
    this.exited = new Promise((resolve) => {
      let done = false;
      const settle = (): void => {
        if (done) return;
        done = true;
        this.fail(this.goneError());
        child.stdout.destroy();
        child.stderr.destroy();
        resolve();
      };
      child.on('close', settle);
      child.on('exit', () => setTimeout(settle, 100).unref());
      child.on('error', () => setTimeout(settle, 0).unref());
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        const missing = new TmuxMissingError();
        this.fail(Object.assign(new ControlClosedError(missing.message, false, missing.hint), { missing: true }));
      }
      else this.fail(new ControlClosedError(`tmux control client failed: ${error.message}`, false));
    });
  }

  /** Starts `tmux -C attach-session` and resolves once tmux answered the attach. */
  static async connect(server: TmuxServer, options: ControlOptions = {}): Promise<ControlClient> {
    const earlier = server.host ? hostDownError(server.host) : undefined;
    if (earlier) throw new ControlClosedError(earlier.message, false, earlier.hint);
    const { file, args, env } = controlSpawnArgs(server);
    const child = spawn(server.host ? file : (options.tmuxBin ?? file), args, { stdio: ['pipe', 'pipe', 'pipe'], env });
    const client = new ControlClient(child, server, options.commandTimeoutMs ?? tmuxDeadline());
    const timeoutMs = (options.connectTimeoutMs ?? tmuxDeadline()) + (server.host ? connectAllowance(server.host) : 0);
    try {
      await new Promise<void>((resolve, reject) => {
        client.ready = { resolve, reject };
        const t = setTimeout(() => reject(new ControlClosedError(`tmux control client did not attach within ${timeoutMs} ms`, false)), timeoutMs);
        t.unref();
      });
    } catch (error) {
      await client.close();
      if ((error as { missing?: boolean }).missing) throw new TmuxMissingError();
      throw error;
    }
    if (server.host) markReached(server.host);
    return client;
  }

  get closed(): boolean {
    return this.closedError !== null;
  }

  /** The tmux client's process id (the benchmark measures its CPU). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  onClose(listener: (error: ControlClosedError) => void): void {
    if (this.closedError) listener(this.closedError);
    else this.closeListeners.push(listener);
  }

  /** Sends commands in one write; resolves with one reply per command, in order. */
  send(commands: readonly string[]): Promise<ControlReply[]> {
    if (commands.length === 0) return Promise.resolve([]);
    if (this.closedError) return Promise.reject(this.closedError);
    for (const command of commands) {
      if (command.trim() === '' || command.includes('\n')) {
        return Promise.reject(new TmuxError(`internal: invalid control-mode command ${JSON.stringify(command)}`));
      }
    }
    const replies = commands.map(
      (command) =>
        new Promise<ControlReply>((resolve, reject) => {
          this.pending.push({ command, resolve, reject });
        }),
    );
    this.child.stdin.write(`${commands.join('\n')}\n`);
    this.armTimer();
    return Promise.all(replies);
  }

  /** One command; its output lines, or a ControlCommandError with tmux's words. */
  async command(command: string): Promise<string[]> {
    const [reply] = await this.send([command]);
    if (!reply!.ok) throw new ControlCommandError(command, reply!.error);
    return reply!.lines;
  }

  /** Detaches (ends stdin) and waits for the tmux client to exit; never kills the server. */
  async close(): Promise<void> {
    if (!this.closedError) this.fail(new ControlClosedError('tmux control client closed', false));
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.stdin.end();
      const term = setTimeout(() => this.child.kill('SIGTERM'), 1_000);
      const kill = setTimeout(() => this.child.kill('SIGKILL'), 2_000);
      term.unref();
      kill.unref();
      await this.exited;
      clearTimeout(term);
      clearTimeout(kill);
    }
  }

  private onData(chunk: string): void {
    for (const event of this.parser.feed(chunk)) {
      if (event.type === 'block') this.onBlock(event.block);
      else if (event.type === 'exit') this.fail(this.goneError(event.reason));
    }
    if (this.pending.length === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private onBlock(block: ControlBlock): void {
    if (block.flags === 0) {
      // The attach command's own reply: ready (or failed, e.g. no sessions).
      if (this.ready) {
        const ready = this.ready;
        this.ready = null;
        if (block.ok) ready.resolve();
        else ready.reject(new ControlClosedError(`tmux attach failed: ${block.lines.join(' ')}`, false));
      }
      return;
    }
    const pending = this.pending.shift();
    if (!pending) return;
    this.armTimer();
    if (block.ok) pending.resolve({ ok: true, lines: block.lines });
    else pending.resolve({ ok: false, error: block.lines.join(' ').trim() || 'error' });
  }

  private armTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0 || this.closedError) return;
    this.timer = setTimeout(() => {
      this.fail(new ControlClosedError(`tmux ${serverLabel(this.server)} did not answer within ${this.commandTimeoutMs} ms`, false, 'the tmux server is stopped or hung: check it with tmux list-sessions (a stopped server resumes with kill -CONT <pid>)', true));
      this.child.kill('SIGKILL');
    }, this.commandTimeoutMs);
    this.timer.unref();
  }

  private goneError(reason = ''): ControlClosedError {
    const said = (reason || this.stderr).trim();
    // ssh's own failure (the connection could not be made, or dropped): the host, not tmux.
    // Not remembered as down: the caller asks again with a fresh connection.
    if (this.server.host && this.child.exitCode === 255) {
      const error = sshFailure(this.server.host, this.stderr);
      return Object.assign(new ControlClosedError(error.message, false, error.hint), { ssh: error });
    }
    const serverGone = isNoServer(said) || /server exited|lost server/i.test(said);
    if (serverGone) return new ControlClosedError(`tmux server gone (${said})`, true, noServerHint(this.server));
    return new ControlClosedError(`tmux control client exited${said ? ` (${said})` : ''}`, false);
  }

  private fail(error: ControlClosedError): void {
    if (this.closedError) return;
    this.closedError = error;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.ready) {
      this.ready.reject(error);
      this.ready = null;
    }
    for (const pending of this.pending.splice(0)) pending.reject(error);
    for (const listener of this.closeListeners.splice(0)) listener(error);
  }
}
