/**
 * Records real Codex, Gemini CLI and shell screens as fixtures.
 *
 *   npx tsx recorder/scenarios/run-others.ts codex|gemini|shell [--only PATTERN] [--size WxH]...
 *
 * Also the small toolkit the codex/gemini/shell scenario files share on top of recorder/lib:
 * a PRIVATE tmux server (`tmux -L kb-rec-<pid>-<rand>`, `lib/tmux.ts`, killed at the end and
 * on error) with polling waits on the screen instead of blind sleeps, and the fixture writer
 * (`lib/fixture.ts`; format: docs/team-notes.md).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFixture, type FixtureMeta as LibFixtureMeta } from '../lib/fixture.js';
import { PrivateTmux } from '../lib/tmux.js';

export type { Label, State } from '../lib/fixture.js';

export interface FixtureMeta extends LibFixtureMeta {
  /** The agent's profile name (fixtures/<agent>/). */
  agent: string;
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

// Read when the server starts: stays up between scenarios (no race with a server that is
// exiting after its last pane was killed), no status line (the pane gets the full size), dead
// panes kept (an early exit stays visible; the pane-dead fixtures need it), a common TERM.
const SERVER_OPTIONS = ['set -g exit-empty off', 'set -g status off', 'set -g remain-on-exit on', 'set -g default-terminal tmux-256color', 'set -g history-limit 5000'];

/** The recorder's private tmux server, set up for the codex/gemini/shell scenarios. */
export const newTmux = () => new PrivateTmux('kb-rec', SERVER_OPTIONS);

/** Runs `body` with a private tmux server that is always killed afterwards (also on SIGINT). */
export async function withTmux<T>(body: (t: PrivateTmux) => Promise<T>): Promise<T> {
  const t = newTmux();
  const onSignal = () => {
    void t.kill().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await body(t);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await t.kill();
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

export async function saveFixture(opts: RecordOptions, name: string, raw: string, meta: FixtureMeta): Promise<string> {
  await writeFixture(join(opts.root ?? join(repoRoot, 'fixtures'), meta.agent), name, raw, meta);
  (opts.log ?? console.error)(`recorded ${meta.agent}/${name} (${meta.state}, ${meta.rule ?? 'null'})`);
  return name;
}

/**
 * Saves the pane's screen as it is now (raw, colours kept) with the pane's tmux facts:
 * `<name>.pane` + `<name>.yaml` under `<root>/<agent>/`.
 */
export async function savePane(
  t: PrivateTmux,
  pane: string,
  opts: RecordOptions,
  name: string,
  meta: Omit<FixtureMeta, 'pane' | 'near_miss'> & { near_miss?: string[] | undefined },
): Promise<string> {
  const raw = await t.captureRaw(pane);
  const { command, dead } = await t.facts(pane);
  const { near_miss, ...rest } = meta;
  return saveFixture(opts, name, raw, { ...rest, pane: { command, dead }, ...(near_miss ? { near_miss } : {}) });
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
  run(t: PrivateTmux, size: Size, opts: RecordOptions): Promise<string[]>;
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

type Recorder = (opts: RecordOptions) => Promise<{ recorded: string[]; failed: string[] }>;

/** Every agent this recorder knows, by its profile name: one line per agent. */
export const RECORDERS: Record<string, () => Promise<Recorder>> = {
  codex: async () => (await import('./codex.js')).recordCodex,
  gemini: async () => (await import('./gemini.js')).recordGemini,
  shell: async () => (await import('./shell.js')).recordShell,
  qwen: async () => (await import('./qwen.js')).recordQwen,
  copilot: async () => (await import('./copilot.js')).recordCopilot,
  pi: async () => (await import('./pi.js')).recordPi,
  cline: async () => (await import('./cline.js')).recordCline,
  amp: async () => (await import('./amp.js')).recordAmp,
  opencode: async () => (await import('./opencode.js')).recordOpencode,
  kilo: async () => (await import('./kilo.js')).recordKilo,
};

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
  const load = agent ? RECORDERS[agent] : undefined;
  if (load) result = await (await load())(opts);
  else {
    console.error(`usage: run-others.ts ${Object.keys(RECORDERS).join('|')} [--only PATTERN] [--size WxH]... [--root DIR]`);
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
