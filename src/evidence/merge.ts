/**
 * Screen and evidence, merged. The agent's own state file says WHETHER the session is busy,
 * idle or waiting for someone; the screen says WHAT it waits on (which dialog, the content)
 * and is the only source for what the file cannot tell (a question in the last message of
 * an idle REPL). Hook events add which tool asks and its input. Pure: time is passed in.
 *
 *   file waiting, screen shows a prompt  -> the screen's prompt       (agent + screen)
 *   file waiting, screen not yet         -> re-capture soon; after the grace period the
 *                                           file's waitingFor decides (agent), and the
 *                                           screen rules did not see it: a disagreement
 *   file busy                            -> working, whatever the screen (a dialog on it was
 *                                           just answered, an "idle" screen hides the busy
 *                                           hint behind a custom status line)
 *   file idle, screen asks in prose      -> question (agent + screen)
 *   file idle, otherwise                 -> idle
 *   no live file                         -> the screen, with what hooks say about the tool
 * Hooks alone (no state file): a PermissionRequest not followed by anything else is a
 * pending approval the screen confirms; the rest is the screen's.
 */
import type { Classification } from '../classify/index.js';
import type { Answer, State } from '../rules/schema.js';
import type { HookEvent } from './hooks.js';
import type { AgentState } from './session-file.js';

export type Source = 'screen' | 'agent' | 'hook';

export interface Evidence {
  state: AgentState | null;
  /** Hook events of this session, oldest first (the recent ones suffice). */
  events: readonly HookEvent[];
}

export interface Merged {
  state: State;
  rule: string | null;
  answer: Answer;
  source: Source[];
  tool?: string;
  detail?: string;
  /** The screen should be captured again at this time (a dialog the file announced). */
  recheckAt?: number;
  /** Screen and evidence tell different things (for rule authors). */
  disagreement?: { screen: State; evidence: string };
}

/** How long a dialog the file announced may take to be drawn before the file alone decides. */
export const DRAW_GRACE_MS = 1500;
const PROMPTS: ReadonlySet<State> = new Set(['permission_approval', 'yes_no_prompt', 'question']);

/** The state a waitingFor text means, when the screen does not show it. */
export function waitingState(waitingFor: string | null): { state: State; answer: Answer } {
  if (waitingFor && /permission/i.test(waitingFor)) return { state: 'permission_approval', answer: 'keys' };
  return { state: 'question', answer: 'keys' };
}

/** The last PermissionRequest that nothing came after (the tool still waits), if any. */
export function pendingPermission(events: readonly HookEvent[]): HookEvent | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.event === 'PermissionRequest') return e;
    if (e.event !== 'Notification' && e.event !== 'PreToolUse') return undefined;
  }
  return undefined;
}

/** The tool and its detail from the last PermissionRequest (or PreToolUse) since the last turn began. */
function lastTool(events: readonly HookEvent[]): { tool?: string; detail?: string } {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.event === 'UserPromptSubmit' || e.event === 'Stop') break;
    if ((e.event === 'PermissionRequest' || e.event === 'PreToolUse') && e.tool) {
      return { tool: e.tool, ...(e.detail ? { detail: e.detail } : {}) };
    }
  }
  return {};
}

function withTool(m: Merged, events: readonly HookEvent[], hooked: boolean): Merged {
  const t = lastTool(events);
  if (!t.tool) return m;
  return { ...m, ...t, source: hooked && !m.source.includes('hook') ? [...m.source, 'hook'] : m.source };
}

/**
 * @param screen the screen's classification
 * @param screenSince when the screen first showed this classification (ms)
 */
export function mergeEvidence(screen: Classification, evidence: Evidence, now: number, screenSince: number): Merged {
  const f = evidence.state;
  const base = { rule: screen.rule };
  const screenPrompt = PROMPTS.has(screen.state);
  if (f) {
    if (f.status === 'waiting') {
      if (screenPrompt) return withTool({ ...base, state: screen.state, answer: screen.answer, source: ['agent', 'screen'] }, evidence.events, true);
      const since = f.updatedAt ?? screenSince;
      if (now - since < DRAW_GRACE_MS) {
        // Announced, not drawn yet: keep what the screen says for a moment and look again.
        return { ...base, state: screen.state === 'idle' ? 'working' : screen.state, answer: 'none', source: ['agent'], recheckAt: now + 100 };
      }
      const w = waitingState(f.waitingFor);
      return withTool(
        { rule: null, state: w.state, answer: w.answer, source: ['agent'], disagreement: { screen: screen.state, evidence: `waiting (${f.waitingFor ?? 'unknown'})` } },
        evidence.events,
        true,
      );
    }
    if (f.status === 'busy') {
      const disagree = screen.state !== 'working' && screen.state !== 'unknown';
      return { ...base, state: 'working', answer: 'none', source: ['agent'], ...(disagree ? { disagreement: { screen: screen.state, evidence: 'busy' } } : {}) };
    }
    // idle
    if (screen.state === 'question' && screen.answer === 'text') return { ...base, state: 'question', answer: 'text', source: ['agent', 'screen'] };
    if (screen.state === 'error') return { ...base, state: 'error', answer: screen.answer, source: ['agent', 'screen'] };
    const disagree = screen.state !== 'idle' && screen.state !== 'unknown';
    return { ...base, state: 'idle', answer: 'none', source: ['agent'], ...(disagree ? { disagreement: { screen: screen.state, evidence: 'idle' } } : {}) };
  }
  // No state file: the screen decides; hooks add the tool, and announce an approval early.
  const pending = pendingPermission(evidence.events);
  if (pending && !screenPrompt && now - pending.t < DRAW_GRACE_MS) {
    return { ...base, state: screen.state, answer: screen.answer, source: ['screen'], recheckAt: now + 100 };
  }
  const m: Merged = { ...base, state: screen.state, answer: screen.answer, source: ['screen'] };
  return screenPrompt ? withTool(m, evidence.events, true) : m;
}
