/**
 * Records real Codex, Gemini CLI and shell screens as fixtures.
 *
 *   npx tsx recorder/scenarios/run-others.ts codex|gemini|shell [--only PATTERN] [--size WxH]...
 *
 * Also the small toolkit the codex/gemini/shell scenario files share: a PRIVATE tmux server
 * (`tmux -L kb-rec-<pid>-<rand>`, killed at the end and on error), polling waits on the
 * screen instead of blind sleeps, and the fixture writer (format: docs/team-notes.md).
 * NOTE: this duplicates a little of recorder/lib (tmux + fixture writing) on purpose so these
 * scenarios do not wait on the Claude recorder; fold them together once both have settled.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type State =
  | 'permission_approval'
  | 'yes_no_prompt'
  | 'question'
  | 'idle'
  | 'working'
  | 'exited'
  | 'error'
  | 'unknown';

export interface FixtureMeta {
  agent: 'codex' | 'gemini' | 'shell';
  program: string;
  version: string;
  size: string;
  scenario: string;
  state: State;
  rule: string | null;
  pane: { command: string; dead: boolean };
  near_miss?: string[];
}

export interface Size {
  w: number;
  h: number;
}

export interface RecordOptions {
  /** fixtures root; default <repo>/fixtures */
  root?: string;
  /** only scenarios whose fixture name contains this (or matches it as a regex) */
  only?: string;
  sizes?: Size[];
  log?: (msg: string) => void;
}

export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const sizeName = (s: Size) => `${s.w}x${s.h}`;

export function wanted(opts: RecordOptions, name: string): boolean {
  if (!opts.only) return true;
  if (name.includes(opts.only)) return true;
  try {
    return new RegExp(opts.only).test(name);
  } catch {
    return false;
  }
}

/** A private tmux server for one recording run. */
export class RecTmux {
  readonly socket = `kb-rec-${process.pid}-${randomBytes(3).toString('hex')}`;
  // Read when the server starts: stays up between scenarios (no race with a server that is
  // exiting after its last pane was killed), no status line (the pane gets the full size), dead panes
  // kept (an early exit stays visible; the pane-dead fixtures need it), a common TERM.
  private readonly conf = join(tmpdir(), `${this.socket}.conf`);

  constructor() {
    writeFileSync(
      this.conf,
      ['set -g exit-empty off', 'set -g status off', 'set -g remain-on-exit on', 'set -g default-terminal tmux-256color', 'set -g history-limit 5000', ''].join('\n'),
    );
  }

  run(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, '-f', this.conf, ...args], {
      encoding: 'utf8',
      // The server inherits this environment: keep it minimal so screens do not depend on ours.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', TERM: 'xterm-256color' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  /** Starts `argv` in a new detached session; returns its pane id (%N). */
  spawn(opts: { size: Size; cwd: string; env: Record<string, string>; argv: string[] }): string {
    const envArgs = Object.entries(opts.env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    const name = `rec${randomBytes(3).toString('hex')}`;
    const pane = this.run(
      'new-session', '-d', '-s', name, '-P', '-F', '#{pane_id}',
      '-x', String(opts.size.w), '-y', String(opts.size.h), '-c', opts.cwd, ...envArgs, '--', ...opts.argv,
    ).trim();
    return pane;
  }

  /** The raw screen, colours kept: exactly `capture-pane -p -e -t %N`. */
  capture(pane: string): string {
    return this.run('capture-pane', '-p', '-e', '-t', pane);
  }

  text(pane: string): string {
    return this.run('capture-pane', '-p', '-t', pane);
  }

  /** The plain screen with wrapped rows joined (`-J`). */
  joined(pane: string): string {
    return this.run('capture-pane', '-p', '-J', '-t', pane);
  }

  facts(pane: string): { command: string; dead: boolean } {
    const [command = '', dead = '0'] = this.run('display-message', '-p', '-t', pane, '#{pane_current_command}\t#{pane_dead}')
      .trim()
      .split('\t');
    return { command, dead: dead === '1' };
  }

  keys(pane: string, ...keys: string[]): void {
    for (const k of keys) this.run('send-keys', '-t', pane, k);
  }

  type(pane: string, text: string): void {
    this.run('send-keys', '-t', pane, '-l', '--', text);
  }

  /** Polls the plain screen until `test` holds; throws with the last screen on timeout. */
  async waitFor(
    pane: string,
    test: RegExp | ((screen: string) => boolean),
    what: string,
    timeoutMs = 30_000,
    join = false,
  ): Promise<string> {
    const ok = typeof test === 'function' ? test : (s: string) => test.test(s);
    const end = Date.now() + timeoutMs;
    let screen = '';
    for (;;) {
      screen = join ? this.joined(pane) : this.text(pane);
      if (ok(screen)) return screen;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; screen:\n${screen}`);
      await sleep(150);
    }
  }

  /** Waits until the screen has not changed for `quietMs` (rendering settled). */
  async settle(pane: string, quietMs = 800, timeoutMs = 10_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    let last = this.capture(pane);
    let since = Date.now();
    while (Date.now() < end) {
      await sleep(150);
      const now = this.capture(pane);
      if (now !== last) {
        last = now;
        since = Date.now();
      } else if (Date.now() - since >= quietMs) return;
    }
  }

  /** Types a prompt, waits until it shows, sends Enter alone and waits for `submitted`. */
  async submit(pane: string, text: string, submitted: RegExp | ((s: string) => boolean), tries = 3): Promise<void> {
    this.type(pane, text);
    await this.waitFor(pane, (s) => s.includes(text.slice(0, 40)), `typed text "${text.slice(0, 40)}"`, 10_000);
    await sleep(300);
    for (let i = 0; i < tries; i++) {
      this.keys(pane, 'Enter');
      try {
        await this.waitFor(pane, submitted, 'submission', 8_000);
        return;
      } catch (err) {
        if (i === tries - 1) throw err;
      }
    }
  }

  /**
   * Kills the pane and waits (up to 5 s, then SIGKILL) until every process that ran in it is
   * gone, so that nothing still writes into a temp HOME that is about to be removed.
   */
  async kill(pane: string): Promise<void> {
    let tree: number[] = [];
    try {
      const pid = Number(this.run('display-message', '-p', '-t', pane, '#{pane_pid}').trim());
      if (pid > 0) tree = processTree(pid);
      this.run('kill-pane', '-t', pane);
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

  killServer(): void {
    try {
      this.run('kill-server');
    } catch {
      /* not running */
    }
    rmSync(this.conf, { force: true });
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

/** Runs `body` with a private tmux server that is always killed afterwards (also on SIGINT). */
export async function withTmux<T>(body: (t: RecTmux) => Promise<T>): Promise<T> {
  const t = new RecTmux();
  const onSignal = () => {
    t.killServer();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await body(t);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    t.killServer();
  }
}

/** A temporary working directory, optionally a git repository with one commit. */
export async function tempWorkdir(opts: { git?: boolean; prefix?: string } = {}) {
  const dir = await mkdtemp(join(tmpdir(), opts.prefix ?? 'kb-rec-work-'));
  if (opts.git) {
    const git = (...a: string[]) =>
      execFileSync('git', ['-C', dir, ...a], {
        stdio: 'ignore',
        env: { ...process.env, GIT_AUTHOR_NAME: 'kb', GIT_AUTHOR_EMAIL: 'kb@example.invalid', GIT_COMMITTER_NAME: 'kb', GIT_COMMITTER_EMAIL: 'kb@example.invalid' },
      });
    git('init', '-q', '-b', 'main');
    await writeFile(join(dir, 'README.md'), '# demo\n\nA small demo project.\n');
    git('add', 'README.md');
    git('commit', '-q', '-m', 'init');
  }
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

function scalar(value: string | null): string {
  if (value === null) return 'null';
  return /^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(value) && !/^(null|true|false|yes|no|on|off|~)$/i.test(value)
    ? value
    : JSON.stringify(value);
}

export function fixtureYaml(meta: FixtureMeta, at = new Date()): string {
  const lines = [
    `agent: ${meta.agent}`,
    `program: ${scalar(meta.program)}`,
    `version: ${/^\d+\.\d+\.\d+$/.test(meta.version) ? meta.version : JSON.stringify(meta.version)}`,
    `size: ${meta.size}`,
    `scenario: ${scalar(meta.scenario)}`,
    `state: ${meta.state}`,
    `rule: ${scalar(meta.rule)}`,
    `pane: { command: ${scalar(meta.pane.command)}, dead: ${meta.pane.dead} }`,
  ];
  if (meta.near_miss?.length) lines.push(`near_miss: [${meta.near_miss.map(scalar).join(', ')}]`);
  lines.push(`recorded_at: ${at.toISOString().slice(0, 10)}`);
  return `${lines.join('\n')}\n`;
}

export async function saveFixture(opts: RecordOptions, name: string, raw: string, meta: FixtureMeta): Promise<string> {
  const dir = join(opts.root ?? join(repoRoot, 'fixtures'), meta.agent);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${name}.pane`), raw);
  await writeFile(join(dir, `${name}.yaml`), fixtureYaml(meta));
  (opts.log ?? console.error)(`recorded ${meta.agent}/${name} (${meta.state}, ${meta.rule ?? 'null'})`);
  return name;
}

/** The first x.y.z in a command's version output. */
export function versionOf(argv: string[]): string {
  const r = spawnSync(argv[0] ?? '', argv.slice(1), { encoding: 'utf8' });
  const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  return /\d+\.\d+(\.\d+)?(p\d+)?/.exec(out)?.[0] ?? 'unknown';
}

/** One named scenario; `run` records one or more fixtures at one size and returns their names. */
export interface Scenario {
  name: string;
  run(t: RecTmux, size: Size, opts: RecordOptions): Promise<string[]>;
}

/** Runs scenarios one after another (one agent CLI at a time), each at every size. */
export async function runScenarios(
  scenarios: Scenario[],
  opts: RecordOptions,
  defaultSizes: Size[],
): Promise<{ recorded: string[]; failed: string[] }> {
  const recorded: string[] = [];
  const failed: string[] = [];
  const log = opts.log ?? console.error;
  await withTmux(async (t) => {
    for (const size of opts.sizes ?? defaultSizes) {
      for (const sc of scenarios) {
        if (!wanted(opts, `${sc.name}-${sizeName(size)}`)) continue;
        try {
          recorded.push(...(await sc.run(t, size, opts)));
        } catch (err) {
          failed.push(`${sc.name}-${sizeName(size)}`);
          log(`FAILED ${sc.name} ${sizeName(size)}: ${(err as Error).message}`);
        }
      }
    }
  });
  return { recorded, failed };
}

async function main(argv: string[]): Promise<number> {
  const agent = argv[0];
  const opts: RecordOptions = {};
  const sizes: Size[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--only') opts.only = argv[++i];
    else if (a === '--size') {
      const m = /^(\d+)x(\d+)$/.exec(argv[++i] ?? '');
      if (!m) throw new Error('--size wants WxH, e.g. 120x40');
      sizes.push({ w: Number(m[1]), h: Number(m[2]) });
    } else if (a === '--root') opts.root = resolve(argv[++i] ?? '');
    else throw new Error(`unknown argument ${a}`);
  }
  if (sizes.length) opts.sizes = sizes;
  let result: { recorded: string[]; failed: string[] };
  if (agent === 'codex') result = await (await import('./codex.js')).recordCodex(opts);
  else if (agent === 'gemini') result = await (await import('./gemini.js')).recordGemini(opts);
  else if (agent === 'shell') result = await (await import('./shell.js')).recordShell(opts);
  else {
    console.error('usage: run-others.ts codex|gemini|shell [--only PATTERN] [--size WxH]... [--root DIR]');
    return 2;
  }
  console.error(`${agent}: ${result.recorded.length} recorded, ${result.failed.length} failed ${result.failed.join(' ')}`);
  return result.failed.length ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error((err as Error).message);
      process.exit(1);
    },
  );
}
