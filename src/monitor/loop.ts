/**
 * The poll loop. Time and I/O are injected (clock, sleep, registry, observation), so the
 * schedule is tested with fake timers. A cycle runs at every interval tick, plus a
 * re-observation when an idle/exited screen can settle before the next tick.
 */
import { KbError } from '../errors.js';
import { decide, timeoutStatus, type Decision, type MonitorStatus, type Observation, type SessionMemory, type StateEvent, type Until } from './decide.js';
import type { MonitoredEntry } from './observe.js';

export interface MonitorOptions {
  intervalMs: number;
  /** 0: no timeout. */
  timeoutMs: number;
  until: Until;
  settleMs: number;
  reportErrors: boolean;
  watch: boolean;
}

export interface MonitorDeps {
  /** The registry's entries to watch (filtered, stable order). Throws when unreadable. */
  readEntries(): Promise<MonitoredEntry[]>;
  observe(entries: readonly MonitoredEntry[]): Promise<Observation[]>;
  now(): number;
  /** Resolves after ms, or as soon as signal aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** --watch: one state-change event. */
  emit?(event: StateEvent): void;
  /** Aborted (reason: the signal's name) on SIGINT/SIGTERM. */
  signal?: AbortSignal;
  /** Told of each cycle: when it began and how long it took (ms), for the benchmark. */
  onCycle?(at: number, ms: number): void;
}

export function errorStatus(error: unknown): MonitorStatus {
  if (error instanceof KbError) {
    // A host that cannot be reached names itself and its sessions (observe.ts).
    const where = error as KbError & { host?: unknown; sessions?: unknown };
    const extra = typeof where.host === 'string' ? { host: where.host, ...(Array.isArray(where.sessions) ? { sessions: where.sessions as string[] } : {}) } : {};
    return error.hint ? { status: 'error', message: error.message, fix: error.hint, ...extra } : { status: 'error', message: error.message, ...extra };
  }
  return { status: 'error', message: `unexpected internal error: ${error instanceof Error ? error.message : String(error)}` };
}

/** The real sleep: a timer cleared when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

const ABORTED = Symbol('aborted');

/** The promise's value, or throws ABORTED as soon as the signal aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(ABORTED);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(ABORTED);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

export async function runMonitor(options: MonitorOptions, deps: MonitorDeps): Promise<MonitorStatus> {
  const signal = deps.signal ?? new AbortController().signal;
  const interrupted = (): string => String(signal.reason ?? 'interrupted');
  const start = deps.now();
  const deadline = options.timeoutMs > 0 ? start + options.timeoutMs : Number.POSITIVE_INFINITY;
  let memory: Map<string, SessionMemory> = new Map();
  let last: Decision | null = null;
  let nextTick = start;

  try {
    for (;;) {
      if (signal.aborted) return timeoutStatus(last, interrupted());
      const cycleStart = deps.now();
      const cycleTimer = performance.now(); // (for onCycle: sub-millisecond wall time)
      const entries = await deps.readEntries();
      if (entries.length === 0) return { status: 'all_complete', sessions: 0 };
      // A signal ends the run even while a cycle waits on tmux (its deadline still applies).
      const observations = await untilAborted(deps.observe(entries), signal);
      if (signal.aborted) return timeoutStatus(last, interrupted());
      const now = deps.now();
      last = decide(observations, memory, now, options);
      memory = last.memory;
      deps.onCycle?.(cycleStart, performance.now() - cycleTimer);
      if (options.watch && deps.emit) for (const event of last.events) deps.emit(event);
      if (last.status && (!options.watch || last.status.status === 'all_complete')) return last.status;
      if (now >= deadline) return timeoutStatus(last);

      while (nextTick <= now) nextTick += options.intervalMs;
      let wake = Math.min(nextTick, deadline);
      if (last.settleAt !== null) wake = Math.min(wake, Math.max(last.settleAt, now + 1));
      await deps.sleep(wake - now, signal);
    }
  } catch (error) {
    if (signal.aborted) return timeoutStatus(last, interrupted());
    return errorStatus(error);
  }
}
