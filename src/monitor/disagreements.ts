/**
 * The disagreement log for rule authors: when a screen rule and the agent's own state tell
 * different things for longer than --settle, one JSON line goes to
 * `<state dir>/kage-bunshin/disagreements.jsonl` (0600, capped at 1 MB, then moved to .1):
 * the screen's state and rule, what the agent said, and the screen's last lines.
 */
import { appendFileSync, renameSync, statSync } from 'node:fs';
import type { Disagreement } from './observe.js';

const MAX = 1024 * 1024;

export function logDisagreement(file: string, d: Disagreement): void {
  try {
    try {
      if (statSync(file).size > MAX) renameSync(file, `${file}.1`);
    } catch {
      // no log yet
    }
    appendFileSync(file, `${JSON.stringify({ ...d, logged_at: new Date().toISOString() })}\n`, { mode: 0o600 });
  } catch {
    // the log is for humans: never fail the monitor for it
  }
}
