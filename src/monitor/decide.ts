/**
 * The monitor's decision, pure: this cycle's observations (one per session, in a stable
 * order) and the memory of earlier cycles in; the status to print (or none), the state
 * changes for --watch and the new memory out. No clock, no tmux: time is passed in.
 *
 * - A prompt (permission_approval, yes_no_prompt, question; error with --report-errors)
 *   is reported at once.
 * - idle, and exited judged from the screen, count only once two observations at least
 *   `settle` apart agree (same state and rule); until then the session is not done and
 *   --watch keeps its previous state.
 * - A dead, vanished or stopped session is exited at once (`final`).
 * - unknown, working and (without --report-errors) error are active.
 */
import type { Source } from '../evidence/merge.js';
import { INTERVENTION_STATES, type Answer, type State as RuleState } from '../rules/schema.js';

/**
 * A classified state, what kb itself is doing with the session, or `unreachable`: the
 * session's host cannot be reached over ssh (with --watch; otherwise that is an error).
 */
export type State = RuleState | 'starting' | 'stopping' | 'unreachable';

export type Until = 'exited' | 'idle';

export interface Observation {
  name: string;
  /** The tmux session name. */
  session: string;
  paneId: string | null;
  /** The agent as registered (a profile name, or custom). */
  agent: string;
  state: State;
  rule: string | null;
  /** How the screen is answered (keys, text, none). */
  answer: Answer;
  /** What decided: the screen, the agent's own state file, its hooks. */
  source: Source[];
  /** The agent CLI's version, when known. */
  version: string | null;
  /** The tool that asks and its input, when the agent said (hooks). */
  tool?: string;
  detail?: string;
  /** Observe again at this time (a dialog the agent announced is not drawn yet). */
  recheckAt?: number;
  /** Dead, vanished or stopped: exited without settling. */
  final: boolean;
  /** The last 10 lines of the normalised screen ('' when there is none). */
  content: string;
  /** A time (ms) at which this screen was known to be current: at or before it was last confirmed. */
  seenAt: number;
  /** A time (ms) at or after the capture that produced this classification. */
  capturedAt: number;
  /** The ssh destination of a session on another machine. */
  host?: string;
}

export interface SessionMemory {
  state: State;
  rule: string | null;
  /** When this state and rule were first captured (upper bound of that capture's time). */
  since: number;
  /** The state last reported to --watch (settled), null before the first. */
  reported: State | null;
}

export type Memory = ReadonlyMap<string, SessionMemory>;

export interface DecideOptions {
  until: Until;
  settleMs: number;
  reportErrors: boolean;
}

export interface StateEvent {
  event: 'state';
  name: string;
  session: string;
  from: State | null;
  to: State;
  rule: string | null;
  at: string;
  source: Source | Source[];
  agent: string;
  version: string | null;
  tool?: string;
  detail?: string;
  host?: string;
}

export interface InterventionStatus {
  status: 'intervention_needed';
  session: string;
  type: State;
  content: string;
  name: string;
  state: State;
  rule: string | null;
  pane_id: string | null;
  /** How to reply: keys (send --keys) or text (send "..."). */
  answer: Answer;
  agent: string;
  version: string | null;
  /** What decided: screen, agent (its state file), hook; one, or a list. */
  source: Source | Source[];
  tool?: string;
  detail?: string;
  pending: string[];
  host?: string;
}

export interface AllCompleteStatus {
  status: 'all_complete';
  sessions: number;
}

export interface TimeoutStatus {
  status: 'timeout';
  active_sessions: string[];
  states: Record<string, State>;
  /** The host of each session on another machine (absent when all are local). */
  hosts?: Record<string, string>;
  interrupted?: string;
}

export interface ErrorStatus {
  status: 'error';
  message: string;
  fix?: string;
  /** The host that could not be reached, and its sessions. */
  host?: string;
  sessions?: string[];
}

export type MonitorStatus = InterventionStatus | AllCompleteStatus | TimeoutStatus | ErrorStatus;

export interface Decision {
  memory: Map<string, SessionMemory>;
  /** State changes for --watch, in session order. */
  events: StateEvent[];
  /** intervention_needed or all_complete; null: keep polling. */
  status: InterventionStatus | AllCompleteStatus | null;
  /** The earliest time (ms) at which an unsettled session can settle: re-capture then. */
  settleAt: number | null;
  /** Sessions not done yet (for a timeout status), and every session's state. */
  active: string[];
  states: Record<string, State>;
  hosts: Record<string, string>;
}

function settles(state: State): boolean {
  return state === 'idle' || state === 'exited';
}

function needsOrchestrator(state: State, reportErrors: boolean): boolean {
  return (state !== 'starting' && state !== 'stopping' && state !== 'unreachable' && INTERVENTION_STATES.has(state)) || (reportErrors && state === 'error');
}

function done(state: State, until: Until): boolean {
  return state === 'exited' || (until === 'idle' && state === 'idle');
}

export function decide(observations: readonly Observation[], memory: Memory, now: number, options: DecideOptions): Decision {
  const next = new Map<string, SessionMemory>();
  const events: StateEvent[] = [];
  const pending: Observation[] = [];
  const active: string[] = [];
  const states: Record<string, State> = {};
  const hosts: Record<string, string> = {};
  let settleAt: number | null = null;
  let allDone = true;

  for (const obs of observations) {
    const prev = memory.get(obs.name);
    const same = prev !== undefined && prev.state === obs.state && prev.rule === obs.rule;
    const since = same ? prev.since : obs.capturedAt;
    const settled = obs.final || !settles(obs.state) || options.settleMs <= 0 || (same && obs.seenAt - since >= options.settleMs);
    const reportedBefore = prev?.reported ?? null;
    const reported = settled ? obs.state : reportedBefore;
    if (reported !== null && reported !== reportedBefore) {
      events.push({
        event: 'state',
        name: obs.name,
        session: obs.session,
        from: reportedBefore,
        to: reported,
        rule: obs.rule,
        at: new Date(now).toISOString(),
        source: obs.source.length === 1 ? obs.source[0]! : obs.source,
        agent: obs.agent,
        version: obs.version,
        ...(obs.tool ? { tool: obs.tool } : {}),
        ...(obs.detail ? { detail: obs.detail } : {}),
        ...(obs.host ? { host: obs.host } : {}),
      });
    }
    next.set(obs.name, { state: obs.state, rule: obs.rule, since, reported });
    states[obs.name] = obs.state;
    if (obs.host) hosts[obs.name] = obs.host;

    if (needsOrchestrator(obs.state, options.reportErrors)) pending.push(obs);
    const isDone = settled && done(obs.state, options.until);
    if (!isDone) {
      allDone = false;
      active.push(obs.name);
    }
    if (!settled) {
      const at = since + options.settleMs;
      settleAt = settleAt === null ? at : Math.min(settleAt, at);
    }
    if (obs.recheckAt !== undefined) settleAt = settleAt === null ? obs.recheckAt : Math.min(settleAt, obs.recheckAt);
  }

  let status: Decision['status'] = null;
  const first = pending[0];
  if (first) {
    status = {
      status: 'intervention_needed',
      session: first.session,
      type: first.state,
      content: first.content,
      name: first.name,
      state: first.state,
      rule: first.rule,
      pane_id: first.paneId,
      answer: first.answer,
      agent: first.agent,
      version: first.version,
      source: first.source.length === 1 ? first.source[0]! : first.source,
      ...(first.tool ? { tool: first.tool } : {}),
      ...(first.detail ? { detail: first.detail } : {}),
      pending: pending.map((o) => o.name),
      ...(first.host ? { host: first.host } : {}),
    };
  } else if (allDone) {
    status = { status: 'all_complete', sessions: observations.length };
  }
  return { memory: next, events, status, settleAt, active, states, hosts };
}

/** The timeout status from the last decision. */
export function timeoutStatus(last: Pick<Decision, 'active' | 'states'> & Partial<Pick<Decision, 'hosts'>> | null, interrupted?: string): TimeoutStatus {
  const status: TimeoutStatus = { status: 'timeout', active_sessions: last?.active ?? [], states: last?.states ?? {} };
  if (last?.hosts && Object.keys(last.hosts).length) status.hosts = last.hosts;
  if (interrupted) status.interrupted = interrupted;
  return status;
}
