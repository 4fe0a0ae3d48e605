// The merge of screen and evidence, as a table: the agent's state file decides whether the
// session waits, works or is idle; the screen what it waits on; hooks add the tool.
import { describe, expect, it } from 'vitest';
import type { Classification } from '../../src/classify/index.js';
import type { HookEvent } from '../../src/evidence/hooks.js';
import { DRAW_GRACE_MS, mergeEvidence, pendingPermission, waitingState } from '../../src/evidence/merge.js';
import type { AgentState } from '../../src/evidence/session-file.js';

const T = 1_800_000_000_000;
const screen = (state: Classification['state'], answer: Classification['answer'] = 'none', rule = `x/${state}`): Classification => ({
  state,
  rule,
  evidence: [],
  answer,
  needs_intervention: ['permission_approval', 'yes_no_prompt', 'question'].includes(state),
});
const file = (status: AgentState['status'], updatedAt = T - 5000, waitingFor: string | null = null): AgentState => ({
  status,
  waitingFor,
  updatedAt,
  version: '2.1.330',
  sessionId: 's',
  pid: 1,
  file: '/x/1.json',
});
const permission: HookEvent = { t: T - 100, event: 'PermissionRequest', tool: 'Bash', detail: 'rm -rf build' };

describe('mergeEvidence', () => {
  it('waiting + a dialog on screen: the screen says which, the hook which tool', () => {
    const m = mergeEvidence(screen('permission_approval', 'keys'), { state: file('waiting', T - 50, 'permission prompt'), events: [permission] }, T, T - 40);
    expect(m).toMatchObject({ state: 'permission_approval', answer: 'keys', source: ['agent', 'screen', 'hook'], tool: 'Bash', detail: 'rm -rf build' });
    expect(m.disagreement).toBeUndefined();
  });

  it('waiting, not drawn yet: look again soon; after the grace the file decides, and the stale screen is a disagreement', () => {
    const early = mergeEvidence(screen('idle'), { state: file('waiting', T - 100, 'permission prompt'), events: [] }, T, T - 2000);
    expect(early).toMatchObject({ state: 'working', source: ['agent'], recheckAt: T + 100 });
    const late = mergeEvidence(screen('idle'), { state: file('waiting', T - DRAW_GRACE_MS - 1, 'permission prompt'), events: [permission] }, T, T - 5000);
    expect(late).toMatchObject({ state: 'permission_approval', answer: 'keys', source: ['agent', 'hook'], tool: 'Bash', disagreement: { screen: 'idle' } });
    expect(waitingState('input needed')).toEqual({ state: 'question', answer: 'keys' });
  });

  it('busy: working, whatever the screen (a dialog just answered; an idle-looking screen behind a custom status line)', () => {
    expect(mergeEvidence(screen('permission_approval', 'keys'), { state: file('busy', T - 20), events: [] }, T, T - 3000)).toMatchObject({ state: 'working', source: ['agent'] });
    const hidden = mergeEvidence(screen('idle'), { state: file('busy'), events: [] }, T, T - 3000);
    expect(hidden).toMatchObject({ state: 'working', disagreement: { screen: 'idle', evidence: 'busy' } });
    expect(mergeEvidence(screen('working'), { state: file('busy'), events: [] }, T, T).disagreement).toBeUndefined();
  });

  it('idle: a question in prose is the screen\'s to tell; a dialog cancelled with Esc (no hook fires) is idle', () => {
    expect(mergeEvidence(screen('question', 'text'), { state: file('idle'), events: [] }, T, T)).toMatchObject({ state: 'question', answer: 'text', source: ['agent', 'screen'] });
    const cancelled = mergeEvidence(screen('permission_approval', 'keys'), { state: file('idle', T - 30), events: [permission] }, T, T - 2000);
    expect(cancelled).toMatchObject({ state: 'idle', answer: 'none', source: ['agent'] });
    expect(mergeEvidence(screen('error'), { state: file('idle'), events: [] }, T, T).state).toBe('error');
  });

  it('no live state file: the screen, with the hook\'s tool; an announced approval gets a second look', () => {
    expect(mergeEvidence(screen('permission_approval', 'keys'), { state: null, events: [permission] }, T, T)).toMatchObject({ state: 'permission_approval', source: ['screen', 'hook'], tool: 'Bash' });
    expect(mergeEvidence(screen('working'), { state: null, events: [permission] }, T, T)).toMatchObject({ state: 'working', source: ['screen'], recheckAt: T + 100 });
    expect(mergeEvidence(screen('idle'), { state: null, events: [] }, T, T)).toEqual({ state: 'idle', rule: 'x/idle', answer: 'none', source: ['screen'] });
  });

  it('a PermissionRequest is pending until another event than a notification follows it', () => {
    expect(pendingPermission([permission, { t: T, event: 'Notification', reason: 'permission_prompt' }])).toBe(permission);
    expect(pendingPermission([permission, { t: T, event: 'PostToolUse', tool: 'Bash' }])).toBeUndefined();
    expect(pendingPermission([])).toBeUndefined();
  });
});
