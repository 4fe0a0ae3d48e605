/**
 * Everything the session logic does to one pane goes through a PaneIO: observe it (facts,
 * capture, classification), send it keys or text, read its history, have the server
 * collect a missed exit status. The one here drives tmux; the session logic knows only the
 * interface.
 */
import { classifyCapture, GONE, type Observation } from '../classify/observe.js';
import type { Clock } from '../clock.js';
import type { RuleSet } from '../rules/load.js';
import { normalize } from '../screen/normalize.js';
import { pasteText, sendLiteral } from '../tmux/keys.js';
import { runTmuxOk, type TmuxServer } from '../tmux/run.js';
import { capturePane, collectExitStatuses, sessionPanes } from '../tmux/session.js';

export type { Observation } from '../classify/observe.js';

export interface PaneIO {
  /** The pane's id (`%N`), for messages. */
  readonly paneId: string;
  observe(): Promise<Observation>;
  /** Named tmux keys (Enter, Escape, C-c, ...), one send-keys per key. */
  key(name: string): Promise<void>;
  /** Text typed literally. */
  literal(text: string): Promise<void>;
  /** Text pasted (bracketed when the program asked for it). */
  paste(text: string): Promise<void>;
  /** Leaves copy mode (which would swallow keys). */
  leaveMode(): Promise<void>;
  /** The visible screen and up to `lines` lines of history above it, wrapped lines joined. */
  history(lines: number): Promise<readonly string[]>;
  /** Has the server collect exited programs' statuses (a dead pane whose status it missed). */
  collectExit(): Promise<void>;
}

export interface TmuxPaneOptions {
  server: TmuxServer;
  /** The exact tmux session the pane must belong to. */
  session: string;
  paneId: string;
  /** The classifier's agent name (profile name, or custom). */
  agent: string;
  rules: RuleSet;
  clock: Clock;
}

export function tmuxPaneIO(o: TmuxPaneOptions): PaneIO {
  return {
    paneId: o.paneId,
    async observe() {
      const at = o.clock.now();
      const pane = (await sessionPanes(o.server, o.session)).find((p) => p.paneId === o.paneId) ?? null;
      if (!pane) return { pane: null, raw: '', lines: [], classification: GONE, at };
      // With escapes: a dialog whose selection moves only by colour still changes.
      const raw = await capturePane(o.server, o.paneId, { escapes: true }).catch(() => '');
      return classifyCapture(raw, pane, o.rules, o.agent, at);
    },
    key: async (name) => {
      await runTmuxOk(o.server, ['send-keys', '-t', o.paneId, name]);
    },
    literal: (text) => sendLiteral(o.server, o.paneId, text),
    paste: (text) => pasteText(o.server, o.paneId, text),
    leaveMode: async () => {
      await runTmuxOk(o.server, ['copy-mode', '-q', '-t', o.paneId]);
    },
    history: async (lines) => normalize(await capturePane(o.server, o.paneId, { join: true, history: lines }).catch(() => '')).lines,
    collectExit: () => collectExitStatuses(o.server),
  };
}
