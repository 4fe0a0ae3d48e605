/**
 * A private tmux server for recording: `tmux -L kb-rec-<pid>-<rand>`, started with a small,
 * clean environment, killed at the end (also on error or Ctrl-C, via `kill()`).
 * Every call targets a pane id (`%N`), never a session name.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { matches, type Matcher } from './screen.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface PaneFacts {
  command: string;
  dead: boolean;
  deadStatus: string;
  width: number;
  height: number;
}

export class PrivateTmux {
  readonly socket: string;
  private started = false;
  /** `-f` file holding `serverOptions`, read once when the server starts. */
  private readonly conf: string | undefined;

  /**
   * `serverOptions`: tmux commands (`set -g ...`) for the server to read at start, instead of
   * the holder session that otherwise keeps it alive (then `set -g exit-empty off` belongs here).
   */
  constructor(prefix = 'kb-rec', serverOptions?: string[]) {
    this.socket = `${prefix}-${process.pid}-${randomBytes(3).toString('hex')}`;
    if (serverOptions) {
      this.conf = path.join(tmpdir(), `${this.socket}.conf`);
      writeFileSync(this.conf, [...serverOptions, ''].join('\n'));
      this.started = true;
    }
  }

  /** Runs `tmux -L <socket> ...args`; rejects on a non-zero exit with tmux's stderr. */
  run(args: string[], input?: string, clientPath?: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = execFile(
        'tmux',
        ['-L', this.socket, ...(this.conf ? ['-f', this.conf] : []), ...args],
        {
          encoding: 'utf8',
          maxBuffer: 16 * 1024 * 1024,
          timeout: 15_000,
          // The server inherits this environment: keep it minimal so that nothing from the
          // recorder's own environment (API keys, HOME ...) leaks into the agent's pane.
          env: { PATH: clientPath ?? process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', TERM: 'xterm-256color', TMUX_TMPDIR: process.env.TMUX_TMPDIR ?? '/tmp' },
        },
        (error, stdout, stderr) => {
          if (error) reject(new Error(`tmux ${args.join(' ')}: ${stderr.trim() || error.message}`));
          else resolve(stdout);
        },
      );
      if (input !== undefined) {
        child.stdin?.end(input);
      }
    });
  }

  /** New detached session running `argv` at WxH; returns the pane id. */
  async newSession(opts: {
    /** default `rec<random>` */
    name?: string;
    width: number;
    height: number;
    cwd: string;
    env: Record<string, string>;
    argv: string[];
    remainOnExit?: boolean;
  }): Promise<string> {
    if (!this.started) {
      // One empty holder session keeps the server alive between scenarios, with the options set
      // before any recorded pane exists.
      await this.run(['new-session', '-d', '-s', 'holder', '-x', '80', '-y', '24', 'sleep 100000']);
      await this.run(['set-option', '-g', 'history-limit', '5000']);
      this.started = true;
    }
    const envArgs = Object.entries(opts.env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    // tmux gives a new session the PATH of the client that creates it, whatever `-e PATH=`
    // says: run that client with the pane's PATH.
    const pane = (
      await this.run(
        [
          'new-session', '-d', '-P', '-F', '#{pane_id}',
          '-s', opts.name ?? `rec${randomBytes(3).toString('hex')}`, '-x', String(opts.width), '-y', String(opts.height),
          '-c', opts.cwd, ...envArgs, '--', ...opts.argv,
        ],
        undefined,
        opts.env.PATH,
      )
    ).trim();
    if (!/^%\d+$/.test(pane)) throw new Error(`tmux new-session printed ${JSON.stringify(pane)}, not a pane id`);
    // Set per window before the program can exit; `-g` would race with a fast exit.
    if (opts.remainOnExit) await this.run(['set-option', '-w', '-t', pane, 'remain-on-exit', 'on']);
    // Keep the size fixed even if a client ever attaches.
    await this.run(['set-option', '-w', '-t', pane, 'window-size', 'manual']).catch(() => undefined);
    return pane;
  }

  /** Raw screen with escape sequences (what fixtures store). */
  captureRaw(pane: string): Promise<string> {
    return this.run(['capture-pane', '-p', '-e', '-t', pane]);
  }

  /** Plain screen text (for waiting). */
  capture(pane: string): Promise<string> {
    return this.run(['capture-pane', '-p', '-t', pane]);
  }

  /** Plain screen text with wrapped rows joined (`-J`). */
  captureJoined(pane: string): Promise<string> {
    return this.run(['capture-pane', '-p', '-J', '-t', pane]);
  }

  /**
   * Polls the plain screen (every 150 ms; `joined`: wrapped rows joined) until `test` holds
   * (a predicate may also ask tmux, e.g. for the pane's facts); rejects with the last screen
   * after `timeoutMs`.
   */
  async waitFor(
    pane: string,
    test: Matcher | ((screen: string) => Promise<boolean>),
    what: string,
    timeoutMs = 30_000,
    joined = false,
  ): Promise<string> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const screen = joined ? await this.captureJoined(pane) : await this.capture(pane);
      if (typeof test === 'function' ? await test(screen) : matches(screen, test)) return screen;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; screen:\n${screen}`);
      await sleep(150);
    }
  }

  /** Waits until the raw screen has not changed for `quietMs` (rendering settled), at most `timeoutMs`. */
  async settle(pane: string, quietMs = 800, timeoutMs = 10_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    let last = await this.captureRaw(pane);
    let since = Date.now();
    while (Date.now() < end) {
      await sleep(150);
      const now = await this.captureRaw(pane);
      if (now !== last) {
        last = now;
        since = Date.now();
      } else if (Date.now() - since >= quietMs) return;
    }
  }

  /** Types a prompt, waits until it shows, sends Enter alone (up to `tries` times) until `submitted`. */
  async submit(pane: string, text: string, submitted: Matcher, tries = 3): Promise<void> {
    await this.type(pane, text);
    await this.waitFor(pane, (s) => s.includes(text.slice(0, 40)), `typed text "${text.slice(0, 40)}"`, 10_000);
    await sleep(300);
    for (let i = 0; i < tries; i++) {
      await this.keys(pane, 'Enter');
      try {
        await this.waitFor(pane, submitted, 'submission', 8_000);
        return;
      } catch (err) {
        if (i === tries - 1) throw err;
      }
    }
  }

  async facts(pane: string): Promise<PaneFacts> {
    const out = (
      await this.run(['display-message', '-p', '-t', pane, '#{pane_current_command}\t#{pane_dead}\t#{pane_dead_status}\t#{pane_width}\t#{pane_height}'])
    ).replace(/\n$/, '');
    const [command = '', dead = '0', deadStatus = '', width = '0', height = '0'] = out.split('\t');
    return { command, dead: dead === '1', deadStatus, width: Number(width), height: Number(height) };
  }

  /** Literal text (never interpreted as key names). */
  async type(pane: string, text: string): Promise<void> {
    await this.run(['send-keys', '-t', pane, '-l', '--', text]);
  }

  /** Named keys, one tmux call each (Enter, Escape, C-c, Down, BTab ...). */
  async keys(pane: string, ...keys: string[]): Promise<void> {
    for (const key of keys) await this.run(['send-keys', '-t', pane, key]);
  }

  /** Bracketed paste through a named buffer (how a terminal delivers a multi-line paste). */
  async paste(pane: string, text: string): Promise<void> {
    const buffer = `kbrec${randomBytes(3).toString('hex')}`;
    await this.run(['load-buffer', '-b', buffer, '-'], text);
    await this.run(['paste-buffer', '-p', '-d', '-b', buffer, '-t', pane]);
  }

  /** Kills the pane's session and waits (up to 10 s) until its process has really exited. */
  async killSession(pane: string): Promise<void> {
    const pid = Number((await this.run(['display-message', '-p', '-t', pane, '#{pane_pid}']).catch(() => '')).trim());
    await this.run(['kill-session', '-t', pane]).catch(() => undefined);
    if (!Number.isInteger(pid) || pid <= 0) return;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      try {
        process.kill(pid, 0);
      } catch {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * Kills the pane and waits (up to 5 s, then SIGKILL) until every process that ran in it is
   * gone, so that nothing still writes into a temp HOME that is about to be removed.
   */
  async killPaneTree(pane: string): Promise<void> {
    let tree: number[] = [];
    try {
      const pid = Number((await this.run(['display-message', '-p', '-t', pane, '#{pane_pid}'])).trim());
      if (pid > 0) tree = processTree(pid);
      await this.run(['kill-pane', '-t', pane]);
    } catch {
      /* already gone */
    }
    const alive = () => tree.filter((p) => existsSync(`/proc/${p}`));
    const end = Date.now() + 5_000;
    while (alive().length && Date.now() < end) await sleep(100);
    for (const p of alive()) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }

  /** Kills the server and removes its socket file (tmux 3.3a leaves it behind after kill-server). */
  async kill(): Promise<void> {
    await this.run(['kill-server']).catch(() => undefined);
    if (this.conf) rmSync(this.conf, { force: true });
    const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
    await rm(path.join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${uid}`, this.socket), { force: true }).catch(() => undefined);
  }
}

/** `pid` and all its descendants (Linux /proc). */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      /* exited meanwhile */
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    out.push(p);
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  return out;
}
