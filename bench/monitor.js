#!/usr/bin/env node
/**
 * Benchmark of the monitor's poll cycle (npm run bench:monitor; results in bench/README.md).
 *
 * For 10, 50 and 100 panes on a private tmux server (half `bash -i` at its prompt, half
 * `watch` redrawing a directory listing every second; 200x50 like `kb spawn`), measures one
 * full cycle = list-panes + capture every pane + classify every pane:
 *   - control: the monitor's way, one persistent `tmux -C` client, captures pipelined
 *   - chained: the fallback, one `tmux` process per cycle with chained captures
 *   - naive:   one `tmux` process per pane, sequentially (what a shell script does)
 * in the same run, median and p95 wall time, and CPU per cycle (this process + the tmux
 * client processes it started; the tmux server's CPU separately). Then runs the real
 * monitor (`node dist/cli.js monitor --interval 1`) over 100 panes for 60 s and reads its
 * CPU (and its tmux -C child's) from /proc.
 *
 * Options: --panes 10,50,100  --cycles 40  --naive-cycles 10  --cpu-seconds 60
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { classifyScreen } from '../dist/classify/index.js';
import { Observer } from '../dist/monitor/observe.js';
import { createTransport } from '../dist/monitor/transport.js';
import { loadRuleSet } from '../dist/rules/load.js';
import { normalize } from '../dist/screen/normalize.js';
import { captureArgs } from '../dist/tmux/capture.js';
import { listPanesArgs, parsePaneList } from '../dist/tmux/panes.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const PANES = opt('panes', '10,50,100').split(',').map(Number);
const CYCLES = Number(opt('cycles', '40'));
const NAIVE_CYCLES = Number(opt('naive-cycles', '10'));
const CPU_SECONDS = Number(opt('cpu-seconds', '60'));
const TICK = 100; // clock ticks per second (/proc)

const socket = `kb-bench-${randomBytes(4).toString('hex')}`;
const server = { socket };
const tmux = (...a) => execFileSync('tmux', ['-L', socket, ...a], { encoding: 'utf8', env: { ...process.env, LANG: 'C.UTF-8' } });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function procTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields after the command: state=0 ... utime=11 stime=12 cutime=13 cstime=14
    return { self: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]) };
  } catch {
    return { self: 0, children: 0 };
  }
}

function childPids(pid) {
  const out = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      out.push(...readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
    } catch {
      /* gone */
    }
  }
  return out;
}

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))];
};
const fmt = (ms) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1));

async function addPanes(from, to) {
  for (let i = from; i < to; i++) {
    const name = `bench-${String(i).padStart(3, '0')}`;
    const command = i % 2 === 0 ? 'bash --norc --noprofile -i' : "watch -n 1 -t 'date; ls -l /usr/lib | head -40'";
    tmux('new-session', '-d', '-s', name, '-x', '200', '-y', '50', '-e', 'TERM=xterm-256color', command);
    if (i % 2 === 0) tmux('send-keys', '-t', `=${name}:`, 'ls -l /usr/bin | head -30', 'Enter');
  }
}

function entriesFor(panes) {
  return panes
    .filter((p) => p.sessionName.startsWith('bench-'))
    .map((p) => ({ name: p.sessionName, session: p.sessionName, paneId: p.paneId, agent: 'shell', stopped: false, server }));
}

/** Runs fn `n` times; wall ms and CPU ticks of this process, its reaped children, helpers and the server. */
async function measure(n, fn, helperPids = () => [], serverPid) {
  const walls = [];
  const before = procTicks(process.pid);
  const helpersBefore = helperPids().map(procTicks);
  const serverBefore = procTicks(serverPid);
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    walls.push(performance.now() - t);
    await sleep(20);
  }
  const cpu = process.cpuUsage(cpu0);
  const after = procTicks(process.pid);
  const helpersAfter = helperPids().map(procTicks);
  const serverAfter = procTicks(serverPid);
  const childMs = ((after.children - before.children) / TICK) * 1000;
  const helperMs = (helpersAfter.reduce((a, h) => a + h.self, 0) - helpersBefore.reduce((a, h) => a + h.self, 0)) * (1000 / TICK);
  return {
    median: quantile(walls, 0.5),
    p95: quantile(walls, 0.95),
    cpuPerCycle: ((cpu.user + cpu.system) / 1000 + childMs + helperMs) / n,
    serverPerCycle: (((serverAfter.self - serverBefore.self) / TICK) * 1000) / n,
  };
}

const run = promisify(execFile);
const naiveEnv = { ...process.env, LANG: 'C.UTF-8' };

/** The naive way, with the leanest process start Node has (execFile, not a shell). */
async function naiveCycle(rules) {
  const list = await run('tmux', ['-L', socket, ...listPanesArgs()], { env: naiveEnv });
  const panes = parsePaneList(list.stdout.split('\n')).filter((p) => p.sessionName.startsWith('bench-'));
  for (const p of panes) {
    const r = await run('tmux', ['-L', socket, ...captureArgs(p.paneId)], { env: naiveEnv, maxBuffer: 1 << 24 });
    classifyScreen(normalize(r.stdout), rules, { agent: 'shell', command: p.currentCommand, dead: false });
  }
}

/** The tmux server's CPU (% of one core) over `seconds` without a monitor: the panes' own cost. */
async function serverBaseline(serverPid, seconds) {
  const a = procTicks(serverPid);
  const t0 = performance.now();
  await sleep(seconds * 1000);
  return ((procTicks(serverPid).self - a.self) / TICK / ((performance.now() - t0) / 1000)) * 100;
}

async function monitorCpu(stateDir, serverPid) {
  const child = spawn(process.execPath, [path.join(root, 'dist/cli.js'), '--socket', socket, '--state-dir', stateDir, 'monitor', '--interval', '1', '--timeout', String(CPU_SECONDS + 15)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  await sleep(5000); // start-up (module loading, first captures) is not the steady state
  const helpers = childPids(child.pid);
  const a = procTicks(child.pid);
  const ha = helpers.map(procTicks);
  const sa = procTicks(serverPid);
  const t0 = performance.now();
  await sleep(CPU_SECONDS * 1000);
  const b = procTicks(child.pid);
  const hb = helpers.map(procTicks);
  const sb = procTicks(serverPid);
  const secs = (performance.now() - t0) / 1000;
  const alive = child.exitCode === null;
  child.kill('SIGTERM');
  await new Promise((r) => child.on('close', r));
  const selfPct = ((b.self - a.self) / TICK / secs) * 100;
  const helperPct = ((hb.reduce((s, h) => s + h.self, 0) - ha.reduce((s, h) => s + h.self, 0)) / TICK / secs) * 100;
  const serverPct = ((sb.self - sa.self) / TICK / secs) * 100;
  return { selfPct, helperPct, serverPct, helpers: helpers.length, secs, alive, out: out.trim() };
}

async function main() {
  const rules = await loadRuleSet();
  const rows = [];
  let have = 0;
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'kb-bench-state-'));
  try {
    for (const n of PANES) {
      await addPanes(have, n);
      have = n;
      await sleep(2500); // let every program draw its first screen
      const serverPid = Number(tmux('display-message', '-p', '#{pid}').trim());
      const entries = entriesFor(parsePaneList(tmux(...listPanesArgs()).split('\n')));

      const full = new Observer({ rules, transport: (s) => createTransport(s, 'control'), now: Date.now, noChangeDetection: true });
      await full.observe(entries); // connect
      const control = await measure(CYCLES, () => full.observe(entries), () => full.helperPids(), serverPid);
      await full.close();

      const incremental = new Observer({ rules, transport: (s) => createTransport(s, 'control'), now: Date.now });
      await incremental.observe(entries);
      const changed = await measure(CYCLES, () => incremental.observe(entries), () => incremental.helperPids(), serverPid);
      await incremental.close();

      const chainedObs = new Observer({ rules, transport: (s) => createTransport(s, 'process'), now: Date.now, noChangeDetection: true });
      const chained = await measure(Math.max(10, CYCLES / 2), () => chainedObs.observe(entries), () => [], serverPid);
      await chainedObs.close();

      const naive = await measure(NAIVE_CYCLES, () => naiveCycle(rules), () => [], serverPid);
      rows.push({ n, control, changed, chained, naive });
      console.error(`${n} panes measured`);
    }

    const last = PANES.at(-1);
    const registry = Object.fromEntries(
      entriesFor(parsePaneList(tmux(...listPanesArgs()).split('\n'))).map((e) => [
        e.name,
        { name: e.name, model: null, spawned_at: new Date().toISOString(), worktree: null, tmux_session: e.session, pane_id: e.paneId, socket, agent: 'shell' },
      ]),
    );
    mkdirSync(path.join(stateDir, 'kage-bunshin'), { recursive: true });
    writeFileSync(path.join(stateDir, 'kage-bunshin', 'registry-default.json'), JSON.stringify(registry));
    console.error(`running the monitor over ${last} panes for ${CPU_SECONDS} s at --interval 1 ...`);
    const serverPid = Number(tmux('display-message', '-p', '#{pid}').trim());
    const baseline = CPU_SECONDS > 0 ? await serverBaseline(serverPid, Math.max(5, CPU_SECONDS / 3)) : 0;
    const cpu = CPU_SECONDS > 0 ? await monitorCpu(stateDir, serverPid) : null;

    const lines = [];
    lines.push(`tmux ${tmux('-V').trim().replace('tmux ', '')}, node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    lines.push('');
    lines.push('Full cycle = list-panes + capture (-p) + classify every pane; wall ms, median / p95; CPU ms per cycle = this process + the tmux client processes it started (server separate).');
    lines.push('');
    lines.push('| panes | control (monitor) | control, change detection on | chained process (fallback) | naive: tmux per pane | naive / control (time) | naive / control (CPU) | CPU ms/cycle control / naive | tmux server CPU ms/cycle control / naive |');
    lines.push('|---|---|---|---|---|---|---|---|---|');
    for (const r of rows) {
      lines.push(
        `| ${r.n} | ${fmt(r.control.median)} / ${fmt(r.control.p95)} | ${fmt(r.changed.median)} / ${fmt(r.changed.p95)} | ${fmt(r.chained.median)} / ${fmt(r.chained.p95)} | ${fmt(r.naive.median)} / ${fmt(r.naive.p95)} | ${(r.naive.median / r.control.median).toFixed(1)}x | ${(r.naive.cpuPerCycle / r.control.cpuPerCycle).toFixed(1)}x | ${fmt(r.control.cpuPerCycle)} / ${fmt(r.naive.cpuPerCycle)} | ${fmt(r.control.serverPerCycle)} / ${fmt(r.naive.serverPerCycle)} |`,
      );
    }
    if (cpu) {
      lines.push('');
      lines.push(
        `Real monitor (node dist/cli.js monitor --interval 1) over ${last} panes for ${cpu.secs.toFixed(1)} s: ${cpu.selfPct.toFixed(2)}% of one core (node) + ${cpu.helperPct.toFixed(2)}% (its ${cpu.helpers} tmux -C client process${cpu.helpers === 1 ? '' : 'es'}) = ${(cpu.selfPct + cpu.helperPct).toFixed(2)}%${cpu.alive ? '' : ` (WARNING: it exited early: ${cpu.out})`}`,
      );
      lines.push(
        `tmux server meanwhile: ${cpu.serverPct.toFixed(2)}% of one core, against ${baseline.toFixed(2)}% without the monitor (the panes' own redraws): ${(cpu.serverPct - baseline).toFixed(2)}% is the server's work for the monitor.`,
      );
    }
    console.log(lines.join('\n'));
  } finally {
    killBenchServer();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** Kills the private server and removes its socket file (tmux 3.3a leaves it behind). */
function killBenchServer() {
  try {
    execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
  } catch {
    /* already gone */
  }
  rmSync(path.join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, socket), { force: true });
}

main().catch((error) => {
  killBenchServer();
  console.error(error);
  process.exit(1);
});
