/**
 * Answering a first-run dialog (workspace trust, API key, bypass acceptance, a folder-trust
 * menu) by moving the cursor to its accepting option and pressing Enter, never by a blind
 * Enter: several of these dialogs select "No, exit" by default.
 */
import { runTmuxOk } from '../tmux/run.js';
import { observe, sleep, type Observation } from './observe.js';
import type { PaneRef } from './send.js';

/** Rules whose screens spawn may accept with --accept-dialogs, and how to find "yes". */
const ACCEPT: Record<string, RegExp> = {
  'claude-code/workspace-trust': /\bYes, (?:I trust|proceed)/i,
  'claude-code/bypass-permissions': /\bYes, I accept\b/i,
  'claude-code/api-key': /^Yes\b/i,
  'codex/trust-folder': /^(?:Yes|Trust|Allow|Continue)\b/i,
  'gemini/trust-folder': /^Trust folder\b/i,
};
/** Dialogs answered by Enter on the option that is already selected. */
const ENTER_ONLY = new Set(['claude-code/auto-mode-notice']);

const GENERIC_ACCEPT = /^(?:Yes|Trust|Allow|I accept|Accept|Continue)\b/i;
const REFUSE = /\b(?:No|exit|Don't|Do not|Cancel|Quit)\b/i;

export function isFirstRunDialog(rule: string | null): boolean {
  return rule !== null && (rule in ACCEPT || ENTER_ONLY.has(rule) || /(?:trust|api-key|bypass|first-run|onboarding)/.test(rule));
}

const MARKER = /^\s*[│|]?\s*([❯›▶●>])\s+(.*)$/;

/** The option text of a menu line, without the cursor marker and `N.` numbering. */
function optionText(line: string): string {
  const m = MARKER.exec(line);
  const body = m ? m[2]! : line.replace(/^\s*[│|]?\s*/, '');
  return body.replace(/^\d+[.)]\s+/, '').replace(/[│|]\s*$/, '').trim();
}

function acceptPattern(rule: string | null): RegExp {
  return (rule && ACCEPT[rule]) || GENERIC_ACCEPT;
}

function isAccepting(text: string, rule: string | null): boolean {
  const pattern = acceptPattern(rule);
  return pattern.test(text) && !(pattern === GENERIC_ACCEPT && /^No\b/i.test(text));
}

/** Index of the selected option line (the last cursor-marked line with text), or -1. */
export function selectedLine(lines: readonly string[]): number {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = MARKER.exec(lines[i]!);
    if (m && m[2]!.trim() !== '' && m[1] !== '>') return i;
  }
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = MARKER.exec(lines[i]!);
    if (m && m[2]!.trim() !== '') return i;
  }
  return -1;
}

/** Index of the first line within 12 lines of `near` whose option text satisfies `wanted`, or -1. */
function optionNear(lines: readonly string[], near: number, wanted: (text: string) => boolean): number {
  const from = Math.max(0, near - 12);
  const to = Math.min(lines.length - 1, near + 12);
  for (let i = from; i <= to; i++) {
    const text = optionText(lines[i]!);
    if (text && wanted(text)) return i;
  }
  return -1;
}

/** Index of the first line in the window around `near` whose option text is the accepting one. */
export function acceptingLine(lines: readonly string[], near: number, rule: string | null): number {
  return optionNear(lines, near, (text) => isAccepting(text, rule) && !(REFUSE.test(text) && !/^Yes\b/i.test(text)));
}

export type AcceptResult = { ok: true } | { ok: false; reason: string };

/**
 * Moves the cursor, one verified step at a time, until the selected option satisfies
 * `wanted`, then presses Enter. `locate` finds the target line from the selected one.
 */
async function moveToOption(
  ref: PaneRef,
  first: Observation,
  wanted: (text: string) => boolean,
  locate: (lines: readonly string[], selected: number) => number,
): Promise<AcceptResult> {
  const look = () => observe(ref.server, ref.session, ref.paneId, ref.agent, ref.rules);
  let obs = first;
  for (let step = 0; step < 12; step++) {
    const sel = selectedLine(obs.lines);
    if (sel < 0) return { ok: false, reason: 'no selected option found on the dialog' };
    if (wanted(optionText(obs.lines[sel]!))) {
      await runTmuxOk(ref.server, ['send-keys', '-t', ref.paneId, 'Enter']);
      return { ok: true };
    }
    const target = locate(obs.lines, sel);
    if (target < 0) return { ok: false, reason: 'no accepting option found on the dialog' };
    await runTmuxOk(ref.server, ['send-keys', '-t', ref.paneId, target > sel ? 'Down' : 'Up']);
    const before = obs.raw;
    for (let i = 0; i < 20; i++) {
      await sleep(50);
      obs = await look();
      if (obs.raw !== before) break;
    }
  }
  return { ok: false, reason: 'the cursor did not reach the accepting option' };
}

/** Moves the cursor to the accepting option (verifying each step) and presses Enter. */
export async function acceptDialog(ref: PaneRef, first: Observation): Promise<AcceptResult> {
  const rule = first.classification.rule;
  if (rule && ENTER_ONLY.has(rule)) {
    await runTmuxOk(ref.server, ['send-keys', '-t', ref.paneId, 'Enter']);
    return { ok: true };
  }
  return moveToOption(
    ref,
    first,
    (text) => isAccepting(text, rule),
    (lines, sel) => acceptingLine(lines, sel, rule),
  );
}

/** For stop: choose the option whose text matches `pattern` (e.g. "Keep worktree") and press Enter. */
export async function chooseOption(ref: PaneRef, first: Observation, pattern: RegExp): Promise<boolean> {
  const wanted = (text: string): boolean => pattern.test(text);
  return (await moveToOption(ref, first, wanted, (lines, sel) => optionNear(lines, sel, wanted))).ok;
}
