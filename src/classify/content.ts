/**
 * What the orchestrator reads: at most 10 lines of the screen that show what needs the
 * answer, without blank rows, box borders, and the agent's own chrome (its input field and
 * everything under it, when the field is drawn).
 *   - a dialog or picker (answered by keys): from a few lines above the selected option
 *     (the question, the command it asks about) downward through the options: the question
 *     and the first options come first; a dialog replaces the input box, so nothing is cut;
 *   - a question in prose or a text field: the lines ending at the one its rule matched;
 *   - anything else: the last lines above the input field.
 */
import { selectedLine } from '../screen/menu.js';
import type { Classification } from './index.js';

export const CONTENT_LINES = 10;
const CONTEXT_ABOVE = 4;
/** Rules and borders that carry no words. */
const SEPARATOR = /^[\s─━═╌┄┈▀▄╭╮╰╯│┃]+$/;

/** A screen line as clean text: no box border at either end, no padding. */
export function cleanLine(line: string): string {
  let out = line.trim();
  for (let before = ''; before !== out; ) {
    before = out;
    out = out.replace(/^[│┃║]\s?/, '').replace(/\s?[│┃║]$/, '').trim();
  }
  return out;
}

/**
 * @param inputStart the first line of the agent's input field when it is drawn (chrome from
 *   there down), or undefined
 */
export function interventionContent(lines: readonly string[], c: Classification, inputStart?: number, max = CONTENT_LINES): string {
  const keys = c.answer === 'keys';
  const end = !keys && inputStart !== undefined && inputStart > 0 ? inputStart : lines.length;
  const indices: number[] = [];
  for (let i = 0; i < end; i++) if (cleanLine(lines[i]!) !== '' && !SEPARATOR.test(lines[i]!)) indices.push(i);
  const evidence = (c.evidenceLines ?? []).filter((i) => i < end);
  const selected = keys ? selectedLine(lines.slice(0, end)) : -1;
  let window: number[];
  if (keys && (selected >= 0 || evidence.length)) {
    // The anchor and what follows it (up to max - CONTEXT_ABOVE lines), the rest above it.
    const anchor = selected >= 0 ? selected : evidence[0]!;
    const at = Math.max(0, indices.findIndex((i) => i >= anchor));
    const end = Math.min(indices.length, at + max - CONTEXT_ABOVE);
    const start = Math.max(0, end - max);
    window = indices.slice(start, end);
  } else if (evidence.length) {
    const last = indices.findIndex((i) => i >= evidence[evidence.length - 1]!);
    const stop = last < 0 ? indices.length : last + 1;
    window = indices.slice(Math.max(0, stop - max), stop);
  } else {
    window = indices.slice(-max);
  }
  return window.map((i) => cleanLine(lines[i]!)).join('\n');
}
