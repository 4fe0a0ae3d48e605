/**
 * One observation of a pane: its tmux facts, the captured screen and its classification.
 * The session commands and the monitor both classify captures through classifyCapture, so
 * they see every screen the same way.
 */
import type { RuleSet } from '../rules/load.js';
import { normalize } from '../screen/normalize.js';
import type { PaneInfo } from '../tmux/panes.js';
import { classifyScreen, type Classification } from './index.js';

export interface Observation {
  /** The pane's facts at this observation; null when the pane is gone. */
  pane: PaneInfo | null;
  /** The capture as taken (escapes kept when asked for), for change detection. */
  raw: string;
  /** The normalised visible rows (no escapes, trailing blanks trimmed). */
  lines: readonly string[];
  classification: Classification;
  /** When the capture was taken (ms). */
  at: number;
}

export const GONE: Classification = Object.freeze({
  state: 'exited',
  rule: 'generic/pane-gone',
  evidence: [],
  answer: 'none',
  needs_intervention: false,
}) as Classification;

/** Classifies a capture of `pane` as drawn by `agent` (a profile name, or "custom"). */
export function classifyCapture(raw: string, pane: PaneInfo | null, rules: RuleSet, agent: string, at: number): Observation {
  if (!pane) return { pane: null, raw: '', lines: [], classification: GONE, at };
  const screen = normalize(raw);
  const classification = classifyScreen(screen, rules, { agent, command: pane.currentCommand, dead: pane.dead, cursorY: pane.cursorY });
  return { pane, raw, lines: screen.lines, classification, at };
}
