/**
 * Runs one Claude Code scenario: a temp HOME (test/support/claude-home.ts), a temp git repo as
 * the working directory, the mock Messages API (test/support/mock-anthropic.ts), and the real
 * claude binary of a pinned version as the command of a new session on a private tmux server.
 * The scenario drives the pane and calls `ctx.save(...)` at each screen worth keeping.
 */
import { withNearMisses } from './near-misses.js';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { claudeBin, makeClaudeHome, type ClaudeVersion } from '../../test/support/claude-home.js';
import { startMockAnthropic, type MockAnthropic, type MockTurn } from '../../test/support/mock-anthropic.js';
import { writeFixture, type Label } from './fixture.js';
import { inputLine, isIdleRepl, matches, type Matcher } from './screen.js';
import type { PrivateTmux } from './tmux.js';

const exec = promisify(execFile);

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface ScenarioInfo {
  version: ClaudeVersion;
  repo: string;
  home: string;
}

export interface ClaudeScenario {
  /** Fixture base name; files are `<name>[-<variant>]-<version>-<WxH>.{pane,yaml}`. */
  name: string;
  description: string;
  /** Default: every pinned version. */
  versions?: ClaudeVersion[];
  /** Default: 120x40 and 80x24. */
  sizes?: string[];
  /** Workspace trust already accepted for the repo (default true). */
  trust?: boolean;
  /** API key already approved (default true). */
  approveKey?: boolean;
  /** Onboarding (theme picker ...) already completed (default true). */
  onboarding?: boolean;
  /** --dangerously-skip-permissions disclaimer already accepted (default false). */
  bypassAccepted?: boolean;
  /** Extra claude arguments. Default: `--permission-mode default` (2.1.330+ otherwise start in auto mode). */
  args?: (info: ScenarioInfo) => string[];
  /** Extra environment for the pane. */
  env?: Record<string, string>;
  /** Run claude from an interactive bash in the pane instead of as the pane's command. */
  shell?: boolean;
  /** Run the real binary file directly (`claude.exe`: what pane_current_command then shows). */
  direct?: boolean;
  /** `remain-on-exit on` for the window (to capture a dead pane). */
  remainOnExit?: boolean;
  /** Main-loop turns queued on the mock before claude starts. */
  turns?: (info: ScenarioInfo) => MockTurn[];
  /** Per-run request hook factory (see startMockAnthropic's onRequest). */
  onRequest?: (info: ScenarioInfo) => (body: unknown) => MockTurn | undefined;
  /** Extra files in the repo (committed). */
  files?: Record<string, string>;
  drive(ctx: ClaudeCtx): Promise<void>;
}

export interface SaveOptions extends Label {
  /** Suffix for a scenario that saves more than one screen. */
  variant?: string;
  program?: string;
}

export interface ClaudeCtx extends ScenarioInfo {
  size: string;
  width: number;
  height: number;
  pane: string;
  mock: MockAnthropic;
  tmux: PrivateTmux;
  screen(): Promise<string>;
  /** Polls capture-pane every 200 ms until the matcher holds; throws with the last screen on timeout. */
  waitFor(m: Matcher, opts?: { timeoutMs?: number; what?: string }): Promise<string>;
  /** Waits for the idle REPL input box (not busy). */
  waitReady(timeoutMs?: number): Promise<string>;
  /** Waits until the screen stops changing for `quietMs`. */
  waitStable(quietMs?: number, timeoutMs?: number): Promise<string>;
  waitDead(timeoutMs?: number): Promise<void>;
  type(text: string): Promise<void>;
  keys(...keys: string[]): Promise<void>;
  paste(text: string): Promise<void>;
  /** Types text, waits until it is on screen, presses Enter, verifies the input box emptied. */
  submit(text: string): Promise<void>;
  settle(ms?: number): Promise<void>;
  save(opts: SaveOptions): Promise<void>;
  log(msg: string): void;
}

export interface RunOptions {
  tmux: PrivateTmux;
  version: ClaudeVersion;
  size: string;
  outDir: string;
  debug: boolean;
  dryRun: boolean;
  saved: string[];
}

export class ScenarioError extends Error {
  constructor(message: string, readonly screen: string) {
    super(message);
  }
}

async function makeRepo(files: Record<string, string>): Promise<string> {
  const repo = await realpath(await mkdtemp(path.join(os.tmpdir(), 'kb-rec-repo-')));
  const all: Record<string, string> = {
    'README.md': '# demo\n\nA tiny project used to record Claude Code screens.\n',
    'src/app.py': 'def greet(name):\n    return "Hello, " + name\n\n\nif __name__ == "__main__":\n    print(greet("world"))\n',
    ...files,
  };
  for (const [rel, content] of Object.entries(all)) {
    await mkdir(path.dirname(path.join(repo, rel)), { recursive: true });
    await writeFile(path.join(repo, rel), content);
  }
  const git = (...args: string[]) => exec('git', ['-C', repo, ...args]);
  await git('init', '-q', '-b', 'main');
  await git('config', 'user.email', 'rec@example.invalid');
  await git('config', 'user.name', 'kb recorder');
  await git('add', '-A');
  await git('commit', '-q', '-m', 'initial');
  return repo;
}

let sessionCounter = 0;

export async function runClaudeScenario(sc: ClaudeScenario, opts: RunOptions): Promise<void> {
  const { tmux, version, size } = opts;
  const [width, height] = size.split('x').map(Number) as [number, number];
  const repo = await makeRepo(sc.files ?? {});
  const homeObj = await makeClaudeHome({
    trustDirs: sc.trust === false ? [] : [repo],
    approveKey: sc.approveKey ?? true,
    bypassAccepted: sc.bypassAccepted ?? false,
    onboarding: sc.onboarding ?? true,
  });
  const info: ScenarioInfo = { version, repo, home: homeObj.home };
  const mock = await startMockAnthropic({ turns: sc.turns?.(info) ?? [], onRequest: sc.onRequest?.(info) });
  let pane = '';
  const log = (msg: string) => {
    if (opts.debug) process.stderr.write(`    [${sc.name} ${version} ${size}] ${msg}\n`);
  };
  try {
    // `claude` on PATH points at the pinned version (used by the shell scenarios).
    const binDir = path.join(homeObj.home, 'bin');
    await mkdir(binDir, { recursive: true });
    await symlink(claudeBin(version), path.join(binDir, 'claude'));
    const env: Record<string, string> = {
      ...homeObj.env,
      ANTHROPIC_BASE_URL: mock.url,
      // npm/npx put node_modules/.bin (with 2.1.330's `claude`) on our PATH: keep it out of the pane.
      PATH: [binDir, ...(process.env.PATH ?? '/usr/bin:/bin').split(':').filter((p) => p && !p.includes('node_modules'))].join(':'),
      LANG: 'C.UTF-8',
      COLORTERM: 'truecolor',
      ...sc.env,
    };
    const args = sc.args ? sc.args(info) : ['--permission-mode', 'default'];
    let argv: string[];
    if (sc.shell) {
      env.PS1 = '\\u@devbox:\\w\\$ ';
      argv = ['bash', '--norc', '--noprofile', '-i'];
    } else {
      // Through the `claude` symlink, as an npm install runs it: the pane's command is then
      // `claude` for every version (running 2.1.197's claude.exe directly shows `claude.exe`).
      argv = [sc.direct ? await realpath(claudeBin(version)) : path.join(binDir, 'claude'), ...args];
    }
    sessionCounter += 1;
    pane = await tmux.newSession({
      name: `rec${sessionCounter}`,
      width,
      height,
      cwd: repo,
      env,
      argv,
      remainOnExit: sc.remainOnExit ?? false,
    });
    log(`pane ${pane}: ${argv.join(' ')}`);

    const screen = () => tmux.capture(pane);
    const waitFor: ClaudeCtx['waitFor'] = async (m, o = {}) => {
      const deadline = Date.now() + (o.timeoutMs ?? 30_000);
      let last = '';
      for (;;) {
        last = await screen();
        if (matches(last, m)) return last;
        if (Date.now() > deadline) throw new ScenarioError(`timed out waiting for ${o.what ?? String(m)}`, last);
        await sleep(200);
      }
    };
    // A pending tool's "●" bullet blinks; spinner glyphs cycle: neither counts as a change.
    const steady = async () => (await screen()).replace(/^(\s*)[●✻✶✳✢✽·*⏺◐◓◑◒]/gm, '$1 ');
    const waitStable: ClaudeCtx['waitStable'] = async (quietMs = 1000, timeoutMs = 20_000) => {
      const deadline = Date.now() + timeoutMs;
      const screen = steady;
      let last = await screen();
      let since = Date.now();
      for (;;) {
        await sleep(200);
        const now = await screen();
        if (now !== last) {
          last = now;
          since = Date.now();
        } else if (Date.now() - since >= quietMs) return now;
        if (Date.now() > deadline) {
          const a = last.split('\n');
          const b = (await screen()).split('\n');
          const diff = b.map((l, i) => (l !== a[i] ? `${i}: ${JSON.stringify(a[i])} -> ${JSON.stringify(l)}` : '')).filter(Boolean);
          throw new ScenarioError(`screen never settled (still changing: ${diff.slice(0, 3).join(' | ')})`, now);
        }
      }
    };
    const ctx: ClaudeCtx = {
      ...info,
      size,
      width,
      height,
      pane,
      mock,
      tmux,
      screen,
      waitFor,
      waitStable,
      waitReady: (timeoutMs = 30_000) => waitFor(isIdleRepl, { timeoutMs, what: 'the idle REPL input box' }),
      waitDead: async (timeoutMs = 20_000) => {
        const deadline = Date.now() + timeoutMs;
        while (!(await tmux.facts(pane)).dead) {
          if (Date.now() > deadline) throw new ScenarioError('pane never died', await screen());
          await sleep(200);
        }
      },
      type: (text) => tmux.type(pane, text),
      keys: (...k) => tmux.keys(pane, ...k),
      paste: (text) => tmux.paste(pane, text),
      settle: (ms = 500) => sleep(ms),
      submit: async (text) => {
        await tmux.type(pane, text);
        const probe = text.slice(0, Math.min(24, text.length));
        await waitFor((s) => (inputLine(s) ?? '').includes(probe) || s.includes(probe), { what: `typed text "${probe}"`, timeoutMs: 10_000 });
        await sleep(300);
        for (let attempt = 0; attempt < 4; attempt++) {
          await tmux.keys(pane, 'Enter');
          const deadline = Date.now() + 2500;
          while (Date.now() < deadline) {
            await sleep(150);
            const s = await screen();
            const input = inputLine(s);
            if (input === undefined || !input.includes(probe)) return;
          }
          log(`Enter not taken yet (attempt ${attempt + 1})`);
        }
        throw new ScenarioError(`prompt "${probe}" was never submitted`, await screen());
      },
      save: async (o) => {
        const name = `${sc.name}${o.variant ? `-${o.variant}` : ''}-${version}-${size}`;
        const raw = await tmux.captureRaw(pane);
        const facts = await tmux.facts(pane);
        if (opts.debug) process.stderr.write(`---- ${name} (${facts.command}, dead=${facts.dead})\n${await screen()}----\n`);
        if (!opts.dryRun) {
          await writeFixture(opts.outDir, name, raw, {
            agent: 'claude',
            program: o.program ?? 'claude',
            version,
            size,
            scenario: sc.name + (o.variant ? `-${o.variant}` : ''),
            state: o.state,
            rule: o.rule,
            near_miss: withNearMisses(sc.name + (o.variant ? `-${o.variant}` : ''), o.rule, o.near_miss),
            pane: { command: facts.command, dead: facts.dead },
          });
        }
        opts.saved.push(name);
        log(`saved ${name}`);
      },
      log,
    };
    await sc.drive(ctx);
  } finally {
    if (pane) await tmux.killSession(pane);
    await mock.close();
    await homeObj.cleanup();
    await rm(repo, { recursive: true, force: true, maxRetries: 3 });
  }
}
