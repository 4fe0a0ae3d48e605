/**
 * Answering a menu dialog by moving the cursor to the wanted option, one verified step at
 * a time, and pressing Enter: never a blind Enter, since several first-run dialogs select
 * "No, exit" by default. Which dialogs spawn accepts, and with which option, is data (the
 * profile's `dialogs:`); stop uses the same loop for its exit dialogs (Keep worktree).
 */
import type { Agent } from '../agents/catalog.js';
import type { Clock } from '../clock.js';
import { optionText, selectedLine } from '../screen/menu.js';
import type { Observation, PaneIO } from './pane-io.js';

export { optionText, selectedLine } from '../screen/menu.js';

/** Index of the first line within 12 lines of `near` whose option text satisfies `wanted`, or -1. */
export function optionNear(lines: readonly string[], near: number, wanted: (text: string) => boolean): number {
  const from = Math.max(0, near - 12);
  const to = Math.min(lines.length - 1, near + 12);
  for (let i = from; i <= to; i++) {
    const text = optionText(lines[i]!);
    if (text && wanted(text)) return i;
  }
  return -1;
}

/** The first-run dialog this screen shows, if the agent's profile says spawn may accept it. */
export function firstRunDialog(agent: Agent, rule: string | null): { accept: RegExp | null; enter: boolean; keys: string[] } | undefined {
  return rule === null ? undefined : agent.dialogs.get(rule);
}

export type AcceptResult = { ok: true } | { ok: false; reason: string };

/**
 * Moves the cursor until the selected option satisfies `wanted`, then presses Enter. Each
 * step waits (up to 1 s) for the screen to show the move before the next one.
 */
export async function moveToOption(io: PaneIO, clock: Clock, first: Observation, wanted: (text: string) => boolean): Promise<AcceptResult> {
  let obs = first;
  for (let step = 0; step < 12; step++) {
    const sel = selectedLine(obs.lines);
    if (sel < 0) return { ok: false, reason: 'no selected option found on the dialog' };
    if (wanted(optionText(obs.lines[sel]!))) {
      await io.key('Enter');
      return { ok: true };
    }
    const target = optionNear(obs.lines, sel, wanted);
    if (target < 0) return { ok: false, reason: 'no option on the dialog matches' };
    await io.key(target > sel ? 'Down' : 'Up');
    const before = obs.raw;
    for (let i = 0; i < 20; i++) {
      await clock.sleep(50);
      obs = await io.observe();
      if (obs.raw !== before) break;
    }
  }
  return { ok: false, reason: 'the cursor did not reach the option' };
}

/** Accepts a first-run dialog as the profile says: Enter on the selection, or the accepting option. */
export async function acceptDialog(io: PaneIO, clock: Clock, first: Observation, agent: Agent): Promise<AcceptResult> {
  const how = firstRunDialog(agent, first.classification.rule);
  if (!how) return { ok: false, reason: `the ${agent.name} profile does not say how to accept ${first.classification.rule ?? 'this dialog'}` };
  if (how.keys.length) {
    for (const k of how.keys) await io.key(k);
    return { ok: true };
  }
  if (how.enter && !how.accept) {
    await io.key('Enter');
    return { ok: true };
  }
  const accept = how.accept!;
  return moveToOption(io, clock, first, (text) => accept.test(text));
}
