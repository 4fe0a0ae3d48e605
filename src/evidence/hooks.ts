/**
 * Hook events: what an agent reports through the hooks spawn injects for its session
 * (profile evidence.hooks, format `settings-json`: a settings file with a `hooks` block,
 * passed on the agent's command line, beside the user's and the project's own hooks).
 *
 * Each hook runs `kb hook --log FILE`: it reads the event (JSON on stdin), appends one
 * compact line to the session's event log and exits 0 at once, printing nothing (a hook's
 * stdout can be a decision; kb never makes one). The log is 0600, capped at MAX_LOG bytes
 * (then moved to FILE.1 and started again), and holds only what kb reads: the event, the
 * time, the tool and a short detail, the prompt, the last message, a reason.
 */
import { appendFileSync, closeSync, openSync, readSync, renameSync, statSync, fstatSync, chmodSync } from 'node:fs';

export const MAX_LOG = 1024 * 1024;
const MAX_TEXT = 2000;

export interface HookEvent {
  /** When kb received it (ms). */
  t: number;
  event: string;
  session?: string;
  tool?: string;
  /** A short description of the tool's input: the command, the file, the question. */
  detail?: string;
  prompt?: string;
  message?: string;
  /** SessionEnd reason, Notification type, StopFailure error. */
  reason?: string;
}

const cut = (s: unknown, n = MAX_TEXT): string | undefined => (typeof s === 'string' && s !== '' ? (s.length > n ? `${s.slice(0, n)}…` : s) : undefined);

/** The detail of a tool call: what an orchestrator needs to decide (the command, the path, the question). */
export function toolDetail(input: unknown): string | undefined {
  if (!input || typeof input !== 'object') return undefined;
  const i = input as Record<string, unknown>;
  if (typeof i.command === 'string') return cut(i.command);
  if (typeof i.file_path === 'string') return cut(i.file_path);
  if (typeof i.url === 'string') return cut(i.url);
  if (typeof i.pattern === 'string') return cut(i.pattern);
  if (Array.isArray(i.questions)) {
    const qs = (i.questions as Array<{ question?: unknown; options?: Array<{ label?: unknown }> }>).map((q) => {
      const options = Array.isArray(q?.options) ? q.options.map((o) => String(o?.label ?? '')).filter(Boolean) : [];
      return `${String(q?.question ?? '')}${options.length ? ` [${options.join(' | ')}]` : ''}`;
    });
    return cut(qs.join(' / '));
  }
  if (typeof i.plan === 'string') return cut(i.plan);
  const first = Object.values(i).find((v) => typeof v === 'string');
  return cut(first);
}

/** The compact record kept for one raw hook payload. */
export function eventRecord(payload: unknown, t: number): HookEvent | null {
  if (!payload || typeof payload !== 'object') return null;
  const p = payload as Record<string, unknown>;
  const event = typeof p.hook_event_name === 'string' ? p.hook_event_name : null;
  if (!event) return null;
  const record: HookEvent = { t, event };
  const set = <K extends keyof HookEvent>(k: K, v: HookEvent[K] | undefined): void => {
    if (v !== undefined) record[k] = v;
  };
  set('session', cut(p.session_id, 100));
  set('tool', cut(p.tool_name, 200));
  set('detail', toolDetail(p.tool_input));
  set('prompt', cut(p.prompt));
  set('message', cut(p.last_assistant_message) ?? cut(p.message));
  set('reason', cut(p.reason, 200) ?? cut(p.notification_type, 200) ?? cut(p.error, 500));
  return record;
}

/** Appends a record to the log (0600), moving a full log to FILE.1 first. Never throws. */
export function appendEvent(log: string, record: HookEvent): void {
  try {
    try {
      if (statSync(log).size > MAX_LOG) renameSync(log, `${log}.1`);
    } catch {
      // no log yet
    }
    appendFileSync(log, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  } catch {
    // a hook must never fail the agent
  }
}

/** `kb hook --log FILE`: the hook's whole work. Reads stdin, appends, returns; never throws. */
export function runHook(log: string | undefined, stdin: string, now = Date.now()): void {
  if (!log) return;
  let payload: unknown;
  try {
    payload = JSON.parse(stdin);
  } catch {
    return;
  }
  const record = eventRecord(payload, now);
  if (record) appendEvent(log, record);
}

/** Reads what was appended since `offset` (whole lines only); the new offset is returned. */
export function readEvents(log: string, offset: number): { events: HookEvent[]; offset: number } {
  let fd: number;
  try {
    fd = openSync(log, 'r');
  } catch {
    return { events: [], offset: 0 };
  }
  try {
    const size = fstatSync(fd).size;
    // The log was moved aside and started again: read the new one from the start.
    const from = size < offset ? 0 : offset;
    if (size === from) return { events: [], offset: from };
    const buf = Buffer.alloc(size - from);
    readSync(fd, buf, 0, buf.length, from);
    const text = buf.toString('utf8');
    const end = text.lastIndexOf('\n');
    if (end < 0) return { events: [], offset: from };
    const events: HookEvent[] = [];
    for (const line of text.slice(0, end).split('\n')) {
      try {
        const e = JSON.parse(line) as HookEvent;
        if (e && typeof e.event === 'string' && typeof e.t === 'number') events.push(e);
      } catch {
        // a torn or foreign line: skipped
      }
    }
    return { events, offset: from + Buffer.byteLength(text.slice(0, end + 1)) };
  } finally {
    closeSync(fd);
  }
}

/** The settings file spawn writes for a session: each event runs the hook command. */
export function hookSettings(events: readonly string[], command: string): Record<string, unknown> {
  const hooks: Record<string, unknown> = {};
  for (const e of events) hooks[e] = [{ matcher: '', hooks: [{ type: 'command', command, timeout: 10 }] }];
  return { hooks };
}

/** Makes sure a file is only its owner's. */
export function privateFile(path: string): void {
  try {
    chmodSync(path, 0o600);
  } catch {
    // absent
  }
}
