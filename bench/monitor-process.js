#!/usr/bin/env node
/**
 * The real `kb monitor` process over an active and an idle fleet (npm run bench:monitor-process;
 * results in bench/README.md).
 *
 * For 10, 50 and 100 panes (200x50) on a private tmux server, registered as shell sessions:
 *   - busy: every pane runs `watch -n 1` (the whole screen redrawn every second, like busy agents)
 *   - idle: every pane is a bash prompt (nothing changes)
 * it runs, in the same run and for the same time window:
 *   - kb:    `node dist/cli.js monitor --interval I` (its own process and its tmux -C child); its
 *            cycle count and wall time per cycle come from KB_MONITOR_STATS (written at exit)
 *   - naive: one `tmux` process per pane per cycle (list-panes, then capture-pane for each),
 *            classified in this process, at the same interval
 * and reports CPU per cycle (the process and its tmux clients; the tmux server's CPU above what
 * it spends with nobody watching, measured in the same window) and wall time per cycle.
 *
 * Options: --panes 10,50,100  --interval 0.25  --seconds 20  --idle-interval 5
 *          --profile: run the monitor under node --cpu-prof and print its top self-time
 *          functions in the measured window (start-up left out)
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { classifyScreen } from '../dist/classify/index.js';
import { loadRuleSet } from '../dist/rules/load.js';
import { normalize } from '../dist/screen/normalize.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli.js');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const PANES = opt('panes', '10,50,100').split(',').map(Number);
const INTERVAL = Number(opt('interval', '0.25'));
const SECONDS = Number(opt('seconds', '20'));
const IDLE_INTERVAL = Number(opt('idle-interval', '5'));
const PROFILE = args.includes('--profile');
const TICK_MS = 10; // /proc clock ticks are 10 ms
const run = promisify(execFile);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const tag = `kb-bench-mp-${randomBytes(4).toString('hex')}`;
let socket = `${tag}-0`;
const sockets = [];
const base = mkdtempSync(path.join(os.tmpdir(), 'kb-bench-mp-'));
const stateDir = path.join(base, 'state');
mkdirSync(path.join(stateDir, 'kage-bunshin'), { recursive: true });
const env = { ...process.env, LANG: 'C.UTF-8' };
const tmux = (...a) => execFileSync('tmux', ['-L', socket, ...a], { encoding: 'utf8', env });

/** utime+stime of a process (ms), and of its waited-for children. */
function cpu(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const x = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return { self: (Number(x[11]) + Number(x[12])) * TICK_MS, children: (Number(x[13]) + Number(x[14])) * TICK_MS };
  } catch {
    return { self: 0, children: 0 };
  }
}
const childrenOf = (pid) => {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
};

function setup(n, busy) {
  try {
    execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
  } catch {
    // first time
  }
  // A new server for each fleet (a killed one takes a moment to go away).
  socket = `${tag}-${sockets.length + 1}`;
  sockets.push(socket);
  tmux('new-session', '-d', '-s', 'keep', 'sleep 3600');
  tmux('set-option', '-g', 'exit-empty', 'off');
  const registry = {};
  for (let i = 0; i < n; i++) {
    const name = `p${i}`;
    const cmd = busy ? "watch -n 1 'date; ls -l /usr/lib | head -40'" : 'bash --norc --noprofile -i';
    const pane = tmux('new-session', '-d', '-P', '-F', '#{pane_id}', '-s', name, '-x', '200', '-y', '50', cmd).trim();
    registry[name] = { name, model: null, spawned_at: new Date().toISOString(), worktree: null, tmux_session: name, pane_id: pane, socket, agent: 'shell' };
  }
  writeFileSync(path.join(stateDir, 'kage-bunshin', 'registry-default.json'), JSON.stringify(registry));
}

const serverPid = () => Number(tmux('display-message', '-p', '#{pid}').trim());

/** The server's CPU over a window with nobody watching: what the panes themselves cost it. */
async function baseline(ms) {
  const pid = serverPid();
  const a = cpu(pid).self;
  await sleep(ms);
  return cpu(pid).self - a;
}

async function realMonitor(interval, ms) {
  const statsFile = path.join(base, `stats-${Date.now()}.json`);
  const profDir = path.join(base, `prof-${Date.now()}`);
  const child = spawn(process.execPath, [...(PROFILE ? ['--cpu-prof', '--cpu-prof-interval', '250', '--cpu-prof-dir', profDir] : []), cli, '--socket', socket, '--state-dir', stateDir, 'monitor', '--interval', String(interval), '--timeout', String(ms / 1000 + 8)], {
    env: { ...env, KB_MONITOR_STATS: statsFile },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await sleep(3000); // start-up (loading the rules) is not a cycle
  const clients = childrenOf(child.pid);
  const srv = serverPid();
  const a = cpu(child.pid).self + clients.reduce((n, p) => n + cpu(p).self, 0);
  const s = cpu(srv).self;
  const statsBefore = await new Promise((r) => setTimeout(r, 0));
  void statsBefore;
  const t0 = Date.now();
  await sleep(ms);
  const b = cpu(child.pid).self + clients.reduce((n, p) => n + cpu(p).self, 0);
  const s2 = cpu(srv).self;
  const window = Date.now() - t0;
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  const stats = JSON.parse(readFileSync(statsFile, 'utf8'));
  if (PROFILE) topCosts(profDir, t0, window);
  // Cycles in the window: the cycle rate times the window (stats cover the whole run).
  const cycles = stats.cycles.filter((c) => c.at >= t0 && c.at <= t0 + window);
  const walls = cycles.map((c) => c.ms).sort((x, y) => x - y);
  return { clientMs: b - a, serverMs: s2 - s, cycles: cycles.length, window, wallMedian: walls[walls.length >> 1] ?? 0, wallP95: walls[Math.floor(walls.length * 0.95)] ?? 0 };
}

async function naive(rules, interval, ms) {
  const srv = serverPid();
  const s = cpu(srv).self;
  const me0 = process.cpuUsage();
  const kids0 = cpu(process.pid).children;
  const t0 = Date.now();
  let cycles = 0;
  const walls = [];
  let next = t0;
  while (Date.now() - t0 < ms) {
    const c0 = performance.now();
    const { stdout } = await run('tmux', ['-L', socket, 'list-panes', '-a', '-F', '#{pane_id} #{pane_current_command}'], { env });
    for (const line of stdout.trim().split('\n')) {
      const [id, command] = line.split(' ');
      if (!id) continue;
      const raw = (await run('tmux', ['-L', socket, 'capture-pane', '-p', '-t', id], { env })).stdout;
      classifyScreen(normalize(raw), rules, { agent: 'shell', command });
    }
    walls.push(performance.now() - c0);
    cycles++;
    next += interval * 1000;
    await sleep(Math.max(0, next - Date.now()));
  }
  const me = process.cpuUsage(me0);
  const window = Date.now() - t0;
  walls.sort((x, y) => x - y);
  return { clientMs: (me.user + me.system) / 1000 + (cpu(process.pid).children - kids0), serverMs: cpu(srv).self - s, cycles, window, wallMedian: walls[walls.length >> 1], wallP95: walls[Math.floor(walls.length * 0.95)] };
}

/** The monitor's top self-time functions over [t0, t0 + window] of its CPU profile. */
function topCosts(dir, t0, window) {
  for (const f of readdirSync(dir)) {
    const prof = JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
    const byId = new Map(prof.nodes.map((n) => [n.id, n]));
    // Profile times are µs on a monotonic clock: the window is the end of the profile back.
    let t = prof.startTime;
    const times = prof.timeDeltas.map((d) => (t += d));
    const from = prof.endTime - (Date.now() - t0) * 1000;
    const to = from + window * 1000;
    const self = new Map();
    let total = 0;
    prof.samples.forEach((id, i) => {
      if (times[i] < from || times[i] > to) return;
      const n = byId.get(id);
      const dt = (prof.timeDeltas[i + 1] ?? 0) / 1000;
      const where = n.callFrame.url ? `${path.basename(n.callFrame.url)}:${n.callFrame.lineNumber + 1}` : '';
      const key = `${n.callFrame.functionName || '(anonymous)'} ${where}`.trim();
      if (key === '(idle)') return;
      self.set(key, (self.get(key) ?? 0) + dt);
      total += dt;
    });
    process.stderr.write(`  profile: ${total.toFixed(0)} ms sampled on the main thread in the window; top self time:\n`);
    for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 12)) process.stderr.write(`    ${v.toFixed(1).padStart(7)} ms  ${k}\n`);
  }
}

const rules = await loadRuleSet();
const rows = [];
try {
  for (const busy of [true, false]) {
    for (const n of PANES) {
      setup(n, busy);
      await sleep(2500);
      const ms = SECONDS * 1000;
      const base0 = await baseline(ms);
      const kb = await realMonitor(INTERVAL, ms);
      const nv = await naive(rules, INTERVAL, busy ? ms : Math.min(ms, 10_000));
      const per = (r) => ({ cpu: (r.clientMs + Math.max(0, r.serverMs - (base0 * r.window) / ms)) / r.cycles, client: r.clientMs / r.cycles });
      const row = { mode: busy ? 'busy' : 'idle', n, kb, nv, kbPer: per(kb), nvPer: per(nv) };
      if (!busy) {
        // The idle fleet at the default interval: the share of one core the monitor takes.
        const slow = await realMonitor(IDLE_INTERVAL, Math.max(ms, IDLE_INTERVAL * 4000));
        row.idleShare = (slow.clientMs + Math.max(0, slow.serverMs - (base0 * slow.window) / ms)) / slow.window;
      }
      rows.push(row);
      process.stderr.write(`${row.mode} ${n}: kb ${row.kbPer.cpu.toFixed(2)} ms CPU/cycle (${kb.cycles} cycles, wall median ${kb.wallMedian.toFixed(2)} ms), naive ${row.nvPer.cpu.toFixed(2)} ms\n`);
    }
  }
} finally {
  try {
    tmux('kill-server');
  } catch {
    // gone
  }
  for (const s of sockets) rmSync(`/tmp/tmux-${process.getuid?.() ?? 0}/${s}`, { force: true });
  rmSync(base, { recursive: true, force: true });
}

console.log(`\nkb monitor process vs naive, --interval ${INTERVAL} s, ${SECONDS} s windows, node ${process.version}, ${os.cpus().length} cores`);
console.log('| fleet | panes | kb CPU ms/cycle (client + server) | kb node+client ms/cycle | kb wall ms/cycle median / p95 | naive CPU ms/cycle | naive wall ms/cycle | CPU ratio |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.mode} | ${r.n} | ${r.kbPer.cpu.toFixed(2)} | ${r.kbPer.client.toFixed(2)} | ${r.kb.wallMedian.toFixed(2)} / ${r.kb.wallP95.toFixed(2)} | ${r.nvPer.cpu.toFixed(1)} | ${r.nv.wallMedian.toFixed(1)} | ${(r.nvPer.cpu / r.kbPer.cpu).toFixed(1)}x |`);
}
for (const r of rows.filter((x) => x.idleShare !== undefined)) {
  console.log(`idle fleet of ${r.n} panes at --interval ${IDLE_INTERVAL}: ${(100 * r.idleShare).toFixed(2)}% of one core`);
}
