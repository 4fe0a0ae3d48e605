import { Command } from 'commander';
import { ExitCode, KbError } from '../errors.js';
import { errorStatus, runMonitor } from '../monitor/loop.js';
import { logDisagreement } from '../monitor/disagreements.js';
import { Waker } from '../monitor/wake.js';
import { dirname, join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { matcher, Observer, monitoredEntries, type MonitoredEntry } from '../monitor/observe.js';
import { parseMonitorFlags, type MonitorFlags } from '../monitor/options.js';
import { createTransport, type TransportKind } from '../monitor/transport.js';
import type { MonitorStatus } from '../monitor/decide.js';
import { registryReader } from '../sessions/registry.js';
import { registryPath, resolveStateDir } from '../state/paths.js';
import { setTmuxDeadline } from '../tmux/run.js';
import { setSshConnectTimeout } from '../tmux/ssh.js';
import { globals, printJson, stackFor, withExamples } from './common.js';

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/** A status on stdout (one write); an error also as a human line on stderr. */
function finish(status: MonitorStatus, exitCode: number): void {
  printJson(status);
  if (status.status === 'error') {
    process.stderr.write(`kage-bunshin: ${status.message}\n${status.fix ? `  fix: ${status.fix}\n` : ''}`);
  }
  process.exitCode = exitCode;
}

export function monitorCommand(): Command {
  const command = new Command('monitor')
    .description('poll every registered session and print one JSON status when one needs you, all are done, or time runs out')
    .option('--interval <seconds>', 'seconds between polls', '5')
    .option('--timeout <seconds>', 'give up after this many seconds with a timeout status (0: never)', '300')
    .option('--until <what>', 'all_complete when every session has exited, or (idle) is idle or exited', 'exited')
    .option('--settle <seconds>', 'idle/exited must hold on two captures this far apart', '1')
    .option('--match <glob>', 'watch only sessions whose name or tmux session matches this glob')
    .option('--report-errors', 'report sessions stuck on an error (auth, quota) as intervention_needed')
    .option('--watch', 'stream one JSON line per state change, then the final status')
    .option('--explain', 'also print a JSON line when a screen rule and the agent\'s own state disagree for longer than --settle')
    .action(async (flags: MonitorFlags, cmd: Command) => {
      let options: ReturnType<typeof parseMonitorFlags>;
      let g: ReturnType<typeof globals>;
      try {
        options = parseMonitorFlags(flags);
        g = globals(cmd);
        matcher(options.match);
      } catch (error) {
        if (error instanceof KbError) {
          finish({ status: 'error', message: error.message, ...(error.hint ? { fix: error.hint } : {}) }, error.exitCode);
          return;
        }
        throw error;
      }
      // A server that does not answer must give an error within two intervals.
      setTmuxDeadline(Math.min(5_000, Math.max(500, options.intervalMs)));
      // A new ssh connection (a host not reached yet, or reconnecting) gets two intervals, 2 to 10 s.
      setSshConnectTimeout(Math.min(10_000, Math.max(2_000, 2 * options.intervalMs)));
      let observer: Observer | null = null;
      const wakers: Waker[] = [];
      const cycles: Array<{ at: number; ms: number }> = [];
      const controller = new AbortController();
      const onSignal = (name: NodeJS.Signals): void => controller.abort(name);
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      // A reader that went away (`kb monitor --watch | head -1`): stop quietly, no stack trace.
      const onStdoutError = (): void => controller.abort('EPIPE');
      process.stdout.on('error', onStdoutError);
      let status: MonitorStatus;
      try {
        const path = registryPath(resolveStateDir({ stateDir: g.stateDir }), g.sessionId);
        const stack = stackFor(cmd);
        const kind: TransportKind = process.env.KB_TMUX_TRANSPORT === 'process' ? 'process' : 'control';
        const disagreements = join(dirname(path), 'disagreements.jsonl');
        const obs = new Observer({
          rules: stack.rules,
          agents: stack.agents,
          transport: (server) => createTransport(server, kind),
          now: Date.now,
          settleMs: options.settleMs,
          // For rule authors: a rule that went stale shows here (and in --watch).
          onDisagreement: (d) => {
            logDisagreement(disagreements, d);
            if (options.watch || options.explain) printJson(d);
          },
          // --watch keeps going while a host is down (its sessions `unreachable`, retried
          // with backoff); a single status reports the host as an error.
          unreachable: options.watch ? 'state' : 'error',
          retryBaseMs: options.intervalMs,
        });
        observer = obs;
        const waker = new Waker();
        wakers.push(waker);
        const readRegistry = registryReader(path);
        let entries: MonitoredEntry[] | null = null;
        let driving = false;
        let watched: string[] = [];
        status = await runMonitor(options, {
          readEntries: async () => {
            const { registry, changed } = await readRegistry();
            // The same file as last cycle: the same entries, unless one carries a driving mark
            // (it expires with time and with its process).
            if (!changed && entries && !driving) {
              if (!process.env.KB_MONITOR_NO_WAKE && waker.missing) waker.watch(watched);
              return entries;
            }
            entries = monitoredEntries(registry, g.socket, options.match, stack.agents);
            driving = Object.values(registry).some((e) => e.driving !== undefined);
            watched = entries.flatMap((e) => [e.evidence.sessionDir, e.evidence.eventsLog ? dirname(e.evidence.eventsLog) : null]).filter((d): d is string => d !== null);
            // (KB_MONITOR_NO_WAKE=1: interval polling only, the way bench:latency compares with.)
            if (!process.env.KB_MONITOR_NO_WAKE) waker.watch(watched);
            return entries;
          },
          observe: (entries) => obs.observe(entries),
          now: Date.now,
          sleep: (ms, signal) => waker.sleep(ms, signal),
          // (KB_MONITOR_STATS=FILE: each cycle's start and wall time, written at the end, for benchmarks.)
          ...(process.env.KB_MONITOR_STATS ? { onCycle: (at: number, ms: number) => void cycles.push({ at, ms }) } : {}),
          emit: (event) => printJson(event),
          signal: controller.signal,
        });
      } catch (error) {
        status = errorStatus(error);
      }
      if (process.env.KB_MONITOR_STATS) writeFileSync(process.env.KB_MONITOR_STATS, JSON.stringify({ cycles }));
      const interrupted = status.status === 'timeout' ? status.interrupted : undefined;
      if (interrupted === 'EPIPE') {
        process.exitCode = ExitCode.failure;
        for (const w of wakers) w.close();
        await observer?.close();
        return;
      }
      finish(status, status.status === 'error' ? ExitCode.failure : interrupted ? (SIGNAL_EXIT[interrupted] ?? ExitCode.failure) : ExitCode.ok);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      // The status is out: nothing may keep the process alive past this (a tmux client that
      // hangs on a stopped server, say).
      setTimeout(() => process.exit(), 2_000).unref();
      for (const w of wakers) w.close();
      await observer?.close();
    });
  return withExamples(
    command,
    'kb monitor --interval 5 --timeout 300',
    'kb monitor --until idle --match "fix-*"',
    'kb monitor --watch --timeout 0 | jq .',
  );
}
