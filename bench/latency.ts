/**
 * How long from "a dialog appears" to "kb monitor printed it" (npm run bench:latency;
 * results in bench/README.md).
 *
 * A real Claude Code (2.1.330, against the in-repo mock API, in a private tmux server) is
 * asked, trial after trial, for something the mock answers with a Bash tool call: the real
 * permission dialog comes up. The bench captures the pane every 10 ms to time the moment the
 * dialog is drawn, and reads the moment a `kb monitor --interval 5` (started in advance, so
 * it is between two ticks) prints its intervention_needed line. Then it cancels the dialog
 * (Esc) and waits for the REPL before the next trial. Three ways, in the same run:
 *   - evidence: kb as it is (the session file and hook events, watched with inotify, wake it);
 *   - screen-only: the same session with its evidence taken out of the registry entry (what
 *     kb does for an agent that publishes nothing): the screen is read at each tick;
 *   - polling: evidence read, but no wakeups (KB_MONITOR_NO_WAKE=1): the pure polling way.
 *
 * Options: --trials 12  --interval 5  --version 2.1.330
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { claudeBin, makeClaudeHome, type ClaudeVersion } from '../test/support/claude-home.js';
import { startMockAnthropic } from '../test/support/mock-anthropic.js';
import { endProcessGroups, groupLeaders } from '../src/tmux/processes.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli.js');
const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : def;
};
const TRIALS = Number(opt('trials', '12'));
const INTERVAL = opt('interval', '5');
const VERSION = opt('version', '2.1.330') as ClaudeVersion;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const socket = `kb-bench-lat-${randomBytes(4).toString('hex')}`;
const base = mkdtempSync(path.join(os.tmpdir(), 'kb-bench-lat-'));
const repo = path.join(base, 'repo');
const stateDir = path.join(base, 'state');
execFileSync('mkdir', ['-p', repo]);
execFileSync('git', ['-c', 'user.email=b@b', '-c', 'user.name=b', 'init', '-q'], { cwd: repo });
execFileSync('git', ['-c', 'user.email=b@b', '-c', 'user.name=b', 'commit', '-q', '--allow-empty', '-m', 'init'], { cwd: repo });

let trial = 0;
const mock = await startMockAnthropic({
  onRequest: (body) => {
    const text = JSON.stringify((body as { messages?: unknown }).messages ?? '');
    const tools = (body as { tools?: unknown[] }).tools;
    if (!Array.isArray(tools) || tools.length === 0) return undefined;
    // The last user turn asks for trial N: answer with a Bash call (its dialog).
    const asks = [...text.matchAll(/run trial (\d+)/g)];
    const last = asks[asks.length - 1];
    if (last && !/tool_result/.test(text.slice(text.lastIndexOf('run trial')))) {
      return { kind: 'tool_use', name: 'Bash', input: { command: `rm -rf build-${last[1]}`, description: 'Remove a build' } };
    }
    return { kind: 'text', text: 'Done.' };
  },
});
const home = await makeClaudeHome({ trustDirs: [repo] });
const env: NodeJS.ProcessEnv = { ...process.env, ...home.env, ANTHROPIC_BASE_URL: mock.url, KB_CLAUDE_BIN: claudeBin(VERSION), LANG: 'C.UTF-8' };
const kb = (a: string[], extra: NodeJS.ProcessEnv = {}) =>
  execFileSync(process.execPath, [cli, '--socket', socket, '--state-dir', stateDir, ...a], { cwd: repo, env: { ...env, ...extra }, encoding: 'utf8' });
const tmux = (...a: string[]) => execFileSync('tmux', ['-L', socket, ...a], { encoding: 'utf8', env });
const registryFile = path.join(stateDir, 'kage-bunshin', 'registry-default.json');

async function waitScreen(test: (s: string) => boolean, ms: number): Promise<number> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (test(tmux('capture-pane', '-p', '-t', '=lat:'))) return Date.now();
    await sleep(10);
  }
  throw new Error(`the screen never showed what was waited for:\n${tmux('capture-pane', '-p', '-t', '=lat:')}`);
}

const idle = (s: string) => /^❯/m.test(s) && !/esc to interrupt/i.test(s) && !/Do you want to proceed\?/.test(s);

/** One trial: the monitor waits between ticks, the dialog comes, the time until it printed. */
async function once(extra: NodeJS.ProcessEnv): Promise<number> {
  trial++;
  const monitor = spawn(process.execPath, [cli, '--socket', socket, '--state-dir', stateDir, 'monitor', '--interval', INTERVAL, '--timeout', '60', '--match', 'lat'], {
    cwd: repo,
    env: { ...env, ...extra },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let printed = 0;
  let out = '';
  monitor.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    if (!printed && out.includes('intervention_needed')) printed = Date.now();
  });
  const exited = new Promise((r) => monitor.on('exit', r));
  // Its first cycle done, it sleeps until the next tick; the dialog comes at a random moment.
  await sleep(1500 + Math.random() * Number(INTERVAL) * 1000);
  tmux('send-keys', '-t', '=lat:', '-l', `please run trial ${trial}`);
  await sleep(300);
  tmux('send-keys', '-t', '=lat:', 'Enter');
  const drawn = await waitScreen((s) => /Do you want to proceed\?/.test(s), 30_000);
  await exited;
  if (!printed) throw new Error(`the monitor printed no intervention: ${out}`);
  tmux('send-keys', '-t', '=lat:', 'Escape');
  await waitScreen(idle, 30_000);
  await sleep(500);
  return printed - drawn;
}

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return { n: s.length, p50: q(0.5), p95: q(0.95), max: s[s.length - 1]!, min: s[0]! };
}

try {
  kb(['spawn', '--name', 'lat', '--permission-mode', 'default', '--size', '120x40']);
  await waitScreen(idle, 30_000);
  const entry = () => JSON.parse(readFileSync(registryFile, 'utf8')) as Record<string, Record<string, unknown>>;
  const withEvidence = entry().lat!;
  const results: Record<string, number[]> = { evidence: [], 'screen-only': [], polling: [] };
  for (let i = 0; i < TRIALS; i++) {
    // Interleaved, so that load on the machine falls on all three alike.
    results.evidence!.push(await once({}));
    const stripped = entry();
    delete stripped.lat!.session_dir;
    delete stripped.lat!.events_log;
    writeFileSync(registryFile, JSON.stringify(stripped, null, 2));
    results['screen-only']!.push(await once({}));
    const back = entry();
    back.lat = withEvidence;
    writeFileSync(registryFile, JSON.stringify(back, null, 2));
    results.polling!.push(await once({ KB_MONITOR_NO_WAKE: '1' }));
    process.stderr.write(`trial ${i + 1}/${TRIALS}: evidence ${results.evidence!.at(-1)} ms, screen-only ${results['screen-only']!.at(-1)} ms, polling ${results.polling!.at(-1)} ms\n`);
  }
  console.log(`\nkb monitor --interval ${INTERVAL}, Claude Code ${VERSION}, ${TRIALS} trials each; ms from the dialog drawn to the status printed`);
  console.log('| way | n | p50 ms | p95 ms | max ms | min ms |');
  console.log('|---|---|---|---|---|---|');
  for (const [way, xs] of Object.entries(results)) {
    const s = stats(xs);
    console.log(`| ${way} | ${s.n} | ${s.p50} | ${s.p95} | ${s.max} | ${s.min} |`);
  }
} finally {
  let pids: number[] = [];
  try {
    pids = tmux('list-panes', '-a', '-F', '#{pane_pid}').trim().split('\n').map(Number).filter((n) => n > 1);
  } catch {
    // no server
  }
  const leaders = groupLeaders(pids);
  try {
    tmux('kill-server');
  } catch {
    // gone
  }
  await endProcessGroups(leaders);
  rmSync(`/tmp/tmux-${process.getuid?.() ?? 0}/${socket}`, { force: true });
  await mock.close();
  await home.cleanup();
  rmSync(base, { recursive: true, force: true });
}
