/** Capture a pane and classify it, with the pane facts the rules use. */
import { classify, type Classification } from '../classify/index.js';
import type { RuleSet } from '../rules/load.js';
import { normalize } from '../screen/normalize.js';
import type { TmuxServer } from '../tmux/run.js';
import { capturePane, sessionPanes, type PaneInfo } from '../tmux/session.js';
import { agentKind, classifierAgent } from './agents.js';

export interface Observation {
  raw: string;
  /** Visible rows, trailing blanks trimmed (no escapes). */
  lines: string[];
  pane: PaneInfo | null;
  classification: Classification;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Re-reads the pane's facts (dead, command, mode) by exact session, then captures it. */
export async function observe(
  server: TmuxServer,
  session: string,
  paneId: string,
  agent: string,
  rules: RuleSet,
): Promise<Observation> {
  const panes = await sessionPanes(server, session);
  const pane = panes.find((p) => p.paneId === paneId) ?? null;
  if (!pane) {
    return {
      raw: '',
      lines: [],
      pane: null,
      classification: { state: 'exited', rule: 'generic/pane-gone', evidence: [], answer: 'none', needs_intervention: false },
    };
  }
  const raw = await capturePane(server, paneId, { escapes: true }).catch(() => '');
  const classification = classify(raw, rules, {
    agent: classifierAgent(agent),
    command: pane.currentCommand,
    dead: pane.dead,
  });
  return { raw, lines: [...normalize(raw).lines], pane, classification };
}

/** The last n non-blank lines of a screen, for messages. */
export function lastLines(lines: readonly string[], n = 10): string {
  return lines.filter((l) => l.trim() !== '').slice(-n).join('\n');
}

/**
 * Whether the agent is busy. For a custom command the program in the pane is the agent
 * itself, so the shell pack's "a program runs in the foreground" (shell/busy) says nothing.
 */
export function isWorking(obs: Observation, agent: string): boolean {
  const c = obs.classification;
  return c.state === 'working' && !(c.rule === 'shell/busy' && agentKind(agent) === 'custom');
}
