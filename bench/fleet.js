#!/usr/bin/env node
/**
 * Benchmark of the monitor over ssh at fleet scale (npm run bench:fleet; results in
 * bench/README.md): 10 private tmux servers x 100 panes (200x50), each server reached as its
 * own "host" through a private sshd on 127.0.0.1..127.0.0.10 (test/support/sshd.ts: own
 * host key, temporary authorized_keys, killed at the end), so every host has its own ssh
 * connection, shared by ControlMaster as kb shares it.
 *
 * Panes: 90 of every 100 show a static screen (a 30-line listing, then `cat` waits), 10
 * print a line every 2 s (busy agents). One cycle = the real monitor code (Observer with the
 * control-mode transport): per host one `list-panes -a` and the captures, pipelined over
 * one `tmux -C` client running on the host through ssh, then classification. Measured, in
 * the same run:
 *   - monitor: change detection on (what kb monitor does each cycle)
 *   - full: change detection off (every pane captured and classified every cycle)
 *   - local: the same full cycle without ssh (the servers are on this machine), for the
 *     cost of the ssh path itself
 *   - naive: what a shell script does: `ssh host tmux list-panes`, then
 *     `ssh host tmux capture-pane -p -t %N` per pane, sequentially (connection sharing on)
 * median / p95 wall ms and CPU ms per cycle: this process + its ssh clients + the ssh
 * masters (local side), the sshd sessions and the tmux clients under them (remote side),
 * and the tmux servers (their baseline without any monitor, the panes' own output, is
 * measured first and shown apart). Then the real `kb monitor --watch --interval 1` over the
 * 1,000 panes for --cpu-seconds, and its CPU.
 *
 * Options: --servers 10 --panes 100 --cycles 40 --naive-cycles 1 --cpu-seconds 30
 * Run with: node --import tsx bench/fleet.js (npm run bench:fleet does).
 */
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { classifyScreen } from '../dist/classify/index.js';
import { Observer } from '../dist/monitor/observe.js';
import { createTransport } from '../dist/monitor/transport.js';
import { loadRuleSet } from '../dist/rules/load.js';
import { normalize } from '../dist/screen/normalize.js';
import { captureArgs } from '../dist/tmux/capture.js';
import { listPanesArgs, parsePaneList } from '../dist/tmux/panes.js';
import { tmuxInvocation } from '../dist/tmux/run.js';
import { descendantsOf, startSshd } from '../test/support/sshd.ts';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const SERVERS = Number(opt('servers', '10'));
const PANES = Number(opt('panes', '100'));
const CYCLES = Number(opt('cycles', '40'));
const NAIVE_CYCLES = Number(opt('naive-cycles', '1'));
const CPU_SECONDS = Number(opt('cpu-seconds', '30'));
const TICK = 100; // clock ticks per second (/proc)

const tag = randomBytes(3).toString('hex');
const sockets = Array.from({ length: SERVERS }, (_, i) => `kb-bench-${tag}-${i + 1}`);
const tmuxEnv = { ...process.env, LANG: 'C.UTF-8' };
const tmux = (socket, ...a) => execFileSync('tmux', ['-L', socket, ...a], { encoding: 'utf8', env: tmuxEnv });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const run = promisify(execFile);

function ticks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { self: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]) };
  } catch {
    return { self: 0, children: 0 };
  }
}
const sumTicks = (pids) => pids.reduce((s, p) => s + ticks(p).self, 0);
/** Own and reaped children's ticks: an sshd session process reaps the channel processes it forked. */
const sumAll = (pids) => pids.reduce((s, p) => s + ticks(p).self + ticks(p).children, 0);
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))];
};
const fmt = (ms) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1));

const work = mkdtempSync(path.join(os.tmpdir(), 'kb-bench-fleet-'));
const screen = path.join(work, 'screen.txt');
writeFileSync(screen, `${Array.from({ length: 30 }, (_, i) => `-rwxr-xr-x 1 root root ${String(10000 + i * 137).padStart(8)} Nov 24 08:00 program-${i}`).join('\n')}\n`);

/** The sessions of one server, 20 per tmux process (chained new-session commands). */
function fill(socket) {
  for (let from = 0; from < PANES; from += 20) {
    const a = [];
    for (let i = from; i < Math.min(PANES, from + 20); i++) {
      const busy = i % 10 === 9;
      const command = busy
        ? `sh -c 'i=0; while :; do i=$((i+1)); echo "step $i: still working on the task"; sleep 2; done'`
        : `sh -c 'cat ${screen}; printf "$ "; exec cat'`;
      if (i > from) a.push(';');
      a.push('new-session', '-d', '-s', `p${String(i).padStart(3, '0')}`, '-x', '200', '-y', '50', command);
    }
    tmux(socket, ...a);
  }
}

function serverPids() {
  return sockets.map((s) => Number(tmux(s, 'display-message', '-p', '#{pid}').trim()));
}

/** The ssh masters' pids (ssh -O check says "Master running (pid=N)"). */
async function masterPids(sshd) {
  const pids = [];
  for (const host of sshd.hosts) {
    try {
      const r = await run('ssh', ['-F', sshd.config, '-o', `ControlPath=${sshd.controlDir}/%C`, '-O', 'check', host]);
      const m = /pid=(\d+)/.exec(r.stderr + r.stdout);
      if (m) pids.push(Number(m[1]));
    } catch (error) {
      const m = /pid=(\d+)/.exec(String(error.stderr ?? ''));
      if (m) pids.push(Number(m[1]));
    }
  }
  return pids;
}

/**
 * Runs fn n times: wall ms per cycle, and CPU ms per cycle on each side. `helpers` lists
 * this process's long-lived helper processes (ssh clients); the masters and the sshd side
 * are read again after the run (the sshd forks a process per channel).
 */
async function measure(n, fn, { helpers = () => [], masters = [], sshd = null, servers = [] } = {}) {
  const walls = [];
  const me0 = ticks(process.pid);
  const cpu0 = process.cpuUsage();
  const h0 = helpers();
  const hT0 = sumTicks(h0);
  const m0 = sumTicks(masters);
  const remotePids0 = sshd ? sshd.sessionPids() : [];
  const r0 = sumAll(remotePids0);
  const s0 = sumTicks(servers);
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    walls.push(performance.now() - t);
    await sleep(20);
  }
  const cpu = process.cpuUsage(cpu0);
  const me1 = ticks(process.pid);
  const hT1 = sumTicks(h0);
  const m1 = sumTicks(masters);
  // Remote side: processes alive before and after (long-lived channels) by their own ticks;
  // channels opened during the run (naive) are gone: sshd's reaped-children ticks hold them.
  const r1 = sumAll(remotePids0);
  const s1 = sumTicks(servers);
  const ms = (t) => (t / TICK) * 1000;
  const local = (cpu.user + cpu.system) / 1000 + ms(me1.children - me0.children) + ms(hT1 - hT0) + ms(m1 - m0);
  const remote = ms(r1 - r0);
  return { median: quantile(walls, 0.5), p95: quantile(walls, 0.95), local: local / n, remote: remote / n, server: ms(s1 - s0) / n };
}

async function naiveCycle(sshd, rules) {
  for (let s = 0; s < SERVERS; s++) {
    const server = { socket: sockets[s], host: sshd.hosts[s] };
    const list = tmuxInvocation(server, listPanesArgs());
    const out = await run(list.file, list.args, { env: list.env, maxBuffer: 1 << 24 });
    for (const p of parsePaneList(out.stdout.split('\n'))) {
      const cap = tmuxInvocation(server, captureArgs(p.paneId));
      const r = await run(cap.file, cap.args, { env: cap.env, maxBuffer: 1 << 24 });
      classifyScreen(normalize(r.stdout), rules, { agent: 'shell', command: p.currentCommand, dead: false });
    }
  }
}

function entriesFor(remote, sshd) {
  const out = [];
  sockets.forEach((socket, s) => {
    const server = remote ? { socket, host: sshd.hosts[s] } : { socket };
    for (const p of parsePaneList(tmux(socket, ...listPanesArgs()).split('\n'))) {
      out.push({ name: `${s + 1}-${p.sessionName}`, session: p.sessionName, paneId: p.paneId, agent: 'shell', classifyAs: 'shell', stopped: false, driven: null, server, evidence: { sessionDir: null, eventsLog: null }, version: null });
    }
  });
  return out;
}

/** The real monitor (--watch --timeout, interval 1) over every pane for CPU_SECONDS. */
async function realMonitor(sshd, entries, serverPidList) {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'kb-bench-fleet-state-'));
  try {
    const registry = Object.fromEntries(
      entries.map((e) => [e.name, { name: e.name, model: null, spawned_at: new Date().toISOString(), worktree: null, tmux_session: e.session, pane_id: e.paneId, socket: e.server.socket, host: e.server.host, agent: 'shell' }]),
    );
    mkdirSync(path.join(stateDir, 'kage-bunshin'), { recursive: true });
    writeFileSync(path.join(stateDir, 'kage-bunshin', 'registry-default.json'), JSON.stringify(registry));
    const child = spawn(process.execPath, [path.join(root, 'dist/cli.js'), '--state-dir', stateDir, 'monitor', '--watch', '--interval', '1', '--timeout', String(CPU_SECONDS + 20)], {
      env: { ...process.env, ...sshd.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let events = 0;
    let stderr = '';
    child.stdout.on('data', (d) => (events += String(d).split('\n').filter(Boolean).length));
    child.stderr.on('data', (d) => (stderr += d));
    await sleep(8000); // start-up: module load, 10 connections, the first full capture
    const helpers = descendantsOf(child.pid);
    const masters = await masterPids(sshd);
    const remote = sshd.sessionPids();
    const a = { me: ticks(child.pid).self, h: sumTicks(helpers), m: sumTicks(masters), r: sumAll(remote), s: sumTicks(serverPidList) };
    const t0 = performance.now();
    await sleep(CPU_SECONDS * 1000);
    const secs = (performance.now() - t0) / 1000;
    const b = { me: ticks(child.pid).self, h: sumTicks(helpers), m: sumTicks(masters), r: sumAll(remote), s: sumTicks(serverPidList) };
    const alive = child.exitCode === null;
    child.kill('SIGTERM');
    await new Promise((r) => child.on('close', r));
    const pct = (k) => ((b[k] - a[k]) / TICK / secs) * 100;
    return { node: pct('me'), ssh: pct('h') + pct('m'), remote: pct('r'), server: pct('s'), secs, alive, events, stderr: stderr.trim() };
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

function cleanup() {
  rmSync(work, { recursive: true, force: true });
  for (const socket of sockets) {
    try {
      execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
    } catch {
      /* gone */
    }
    rmSync(path.join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, socket), { force: true });
  }
}

async function main() {
  const sshd = await startSshd({ addresses: SERVERS, leanLogin: true });
  Object.assign(process.env, sshd.env);
  try {
    console.error(`starting ${SERVERS} tmux servers x ${PANES} panes ...`);
    for (const socket of sockets) fill(socket);
    await sleep(3000); // every pane drew its first screen
    const rules = await loadRuleSet();
    const servers = serverPids();
    const b0 = sumTicks(servers);
    const bt = performance.now();
    await sleep(10_000);
    const baselineMsPerS = (((sumTicks(servers) - b0) / TICK) * 1000) / ((performance.now() - bt) / 1000);
    console.error(`baseline: tmux servers ${baselineMsPerS.toFixed(1)} ms CPU per second without a monitor`);
    const remoteEntries = entriesFor(true, sshd);
    const localEntries = entriesFor(false, sshd);
    const total = remoteEntries.length;

    const monitorObs = new Observer({ rules, transport: (s) => createTransport(s, 'control'), now: Date.now });
    await monitorObs.observe(remoteEntries); // connect (10 ssh connections) and the first full capture
    const masters = await masterPids(sshd);
    const monitor = await measure(CYCLES, () => monitorObs.observe(remoteEntries), { helpers: () => monitorObs.helperPids(), masters, sshd, servers });
    console.error('monitor measured');
    const fullObs = new Observer({ rules, transport: (s) => createTransport(s, 'control'), now: Date.now, noChangeDetection: true });
    await fullObs.observe(remoteEntries);
    const full = await measure(Math.max(10, CYCLES / 2), () => fullObs.observe(remoteEntries), { helpers: () => fullObs.helperPids(), masters, sshd, servers });
    await fullObs.close();
    await monitorObs.close();
    console.error('full measured');
    const localObs = new Observer({ rules, transport: (s) => createTransport(s, 'control'), now: Date.now, noChangeDetection: true });
    await localObs.observe(localEntries);
    const local = await measure(Math.max(10, CYCLES / 2), () => localObs.observe(localEntries), { helpers: () => localObs.helperPids(), servers });
    await localObs.close();
    console.error('local measured');
    const naive = await measure(NAIVE_CYCLES, () => naiveCycle(sshd, rules), { masters, sshd, servers });
    console.error('naive measured');
    const real = CPU_SECONDS > 0 ? await realMonitor(sshd, remoteEntries, servers) : null;

    const lines = [];
    lines.push(`tmux ${execFileSync('tmux', ['-V'], { encoding: 'utf8' }).trim().replace('tmux ', '')}, ${spawnSync('ssh', ['-V'], { encoding: 'utf8' }).stderr.trim().split(',')[0]}, node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    lines.push(`${total} panes = ${SERVERS} tmux servers x ${PANES} panes (200x50), each server a host reached through the private sshd (its own ssh connection).`);
    lines.push(`tmux servers without any monitor (the busy panes' own output): ${baselineMsPerS.toFixed(1)} ms CPU per second.`);
    lines.push('');
    lines.push('| cycle | wall ms median / p95 | CPU ms/cycle: kb side (node + ssh clients + masters) | sshd side (sessions + tmux clients) | tmux servers |');
    lines.push('|---|---|---|---|---|');
    const row = (name, r) => `| ${name} | ${fmt(r.median)} / ${fmt(r.p95)} | ${fmt(r.local)} | ${r.remote === undefined ? '-' : fmt(r.remote)} | ${fmt(r.server)} |`;
    lines.push(row(`monitor over ssh, change detection on (${CYCLES} cycles)`, monitor));
    lines.push(row(`full over ssh: every pane captured + classified (${Math.max(10, CYCLES / 2)} cycles)`, full));
    lines.push(row('full, same servers without ssh (local control clients)', { ...local, remote: undefined }));
    lines.push(row(`naive: ssh per list + per capture, sequential (${NAIVE_CYCLES} cycle${NAIVE_CYCLES === 1 ? '' : 's'})`, naive));
    lines.push('');
    lines.push(`naive / monitor: ${(naive.median / monitor.median).toFixed(0)}x wall, ${((naive.local + naive.remote) / (monitor.local + monitor.remote)).toFixed(0)}x CPU (kb + sshd sides); naive / full: ${(naive.median / full.median).toFixed(0)}x wall`);
    if (real) {
      lines.push('');
      lines.push(
        `Real kb monitor --watch --interval 1 over the ${total} panes for ${real.secs.toFixed(1)} s: node ${real.node.toFixed(2)}% of one core + ssh clients and masters ${real.ssh.toFixed(2)}% + sshd side ${real.remote.toFixed(2)}%; tmux servers ${real.server.toFixed(2)}% (their panes' own output included)${real.alive ? '' : ` (WARNING: it exited early: ${real.stderr})`}; ${real.events} state events.`,
      );
    }
    console.log(lines.join('\n'));
  } finally {
    cleanup();
    await sshd.stop();
  }
}

main().catch(async (error) => {
  cleanup();
  console.error(error);
  process.exit(1);
});
