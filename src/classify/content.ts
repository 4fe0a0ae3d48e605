/**
 * What the orchestrator reads: at most 10 lines of the screen that show what needs the
 * answer, without blank rows, box borders, and the agent's own chrome (its input field and
 * everything under it, when the field is drawn).
 *   - a dialog or picker (answered by keys): from a few lines above the first line its rule
 *     matched (the question, the command it asks about) downward: the question and its first
 *     options come first;
 *   - a question in prose or a text field: the lines ending at the one its rule matched;
 *   - anything else: the last lines above the input field.
 */
import type { Classification } from './index.js';

export const CONTENT_LINES = 10;
const CONTEXT_ABOVE = 4;

/** A screen line as clean text: no box border at either end, no padding. */
export function cleanLine(line: string): string {
  return line.replace(/^\s*[│┃║|]\s?/, '').replace(/\s*[│┃║|]\s*$/, '').trim();
}

/**
 * @param inputStart the first line of the agent's input field when it is drawn (chrome from
 *   there down), or undefined
 */
export function interventionContent(lines: readonly string[], c: Classification, inputStart?: number, max = CONTENT_LINES): string {
  const end = inputStart !== undefined && inputStart > 0 ? inputStart : lines.length;
  const indices: number[] = [];
  for (let i = 0; i < end; i++) if (cleanLine(lines[i]!) !== '' && !/^[─━═▀▄\s]+$/.test(lines[i]!)) indices.push(i);
  const evidence = (c.evidenceLines ?? []).filter((i) => i < end);
  let window: number[];
  if (evidence.length && c.answer === 'keys') {
    const first = indices.findIndex((i) => i >= evidence[0]!);
    const start = Math.max(0, first - CONTEXT_ABOVE);
    window = indices.slice(start, start + max);
  } else if (evidence.length) {
    const last = indices.findIndex((i) => i >= evidence[evidence.length - 1]!);
    const stop = last < 0 ? indices.length : last + 1;
    window = indices.slice(Math.max(0, stop - max), stop);
  } else {
    window = indices.slice(-max);
  }
  return window.map((i) => cleanLine(lines[i]!)).join('\n');
}
