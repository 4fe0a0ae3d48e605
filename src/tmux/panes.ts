/**
 * The status of every pane in one `list-panes -a -F` call: enough to resolve registry
 * entries to panes, to see dead panes, and to skip capturing panes that did not change.
 */

export interface PaneInfo {
  paneId: string;
  sessionName: string;
  windowActive: boolean;
  paneActive: boolean;
  dead: boolean;
  deadStatus: number | null;
  currentCommand: string;
  pid: number | null;
  inMode: boolean;
  alternateOn: boolean;
  /** Epoch seconds of the window's last output. */
  windowActivity: number;
  cursorX: number;
  cursorY: number;
  historySize: number;
  width: number;
  height: number;
}

// Tab-separated; the session name is last because it is the one free-form field.
const FIELDS = [
  'pane_id',
  'window_active',
  'pane_active',
  'pane_dead',
  'pane_dead_status',
  'pane_pid',
  'pane_in_mode',
  'alternate_on',
  'window_activity',
  'cursor_x',
  'cursor_y',
  'history_size',
  'pane_width',
  'pane_height',
  'pane_current_command',
  'session_name',
] as const;

/** The -F format (tab-separated fields). */
export const PANE_FORMAT = FIELDS.map((f) => `#{${f}}`).join('\t');

/** The argv of the list-panes command, for a tmux process. */
export function listPanesArgs(): string[] {
  return ['list-panes', '-a', '-F', PANE_FORMAT];
}

/**
 * tmux's answer to list-panes on a server that has no session left (`list-panes -a` still
 * resolves a current target first): there are no panes. Seen while kill-server ends the
 * sessions before the server exits.
 */
export function isNoSessions(said: string): boolean {
  return /no current target|no sessions/i.test(said);
}

/** The same command as one control-mode line (single-quoted format). */
export function listPanesCommand(): string {
  return `list-panes -a -F '${PANE_FORMAT}'`;
}

function int(value: string | undefined): number {
  const n = Number.parseInt(value ?? '', 10);
  return Number.isFinite(n) ? n : 0;
}

/** Parses one output line; null for a line that is not ours (too few fields). */
export function parsePaneLine(line: string): PaneInfo | null {
  const parts = line.split('\t');
  if (parts.length < FIELDS.length) return null;
  // A session name containing a tab would split further: rejoin the tail.
  const name = parts.slice(FIELDS.length - 1).join('\t');
  const [paneId, wActive, pActive, dead, deadStatus, pid, inMode, alt, activity, cx, cy, hist, w, h, command] = parts;
  if (!paneId?.startsWith('%')) return null;
  return {
    paneId,
    sessionName: name,
    windowActive: wActive === '1',
    paneActive: pActive === '1',
    dead: dead === '1',
    deadStatus: deadStatus === '' || deadStatus === undefined ? null : int(deadStatus),
    currentCommand: command ?? '',
    pid: pid ? int(pid) : null,
    inMode: inMode === '1',
    alternateOn: alt === '1',
    windowActivity: int(activity),
    cursorX: int(cx),
    cursorY: int(cy),
    historySize: int(hist),
    width: int(w),
    height: int(h),
  };
}

export function parsePaneList(lines: readonly string[]): PaneInfo[] {
  const out: PaneInfo[] = [];
  for (const line of lines) {
    const pane = parsePaneLine(line);
    if (pane) out.push(pane);
  }
  return out;
}

/**
 * The pane an exact session target (`=name:`) means: the active pane of the session's
 * active window. Used for registry entries written without a pane id.
 */
export function sessionPane(panes: readonly PaneInfo[], session: string): PaneInfo | undefined {
  let first: PaneInfo | undefined;
  for (const pane of panes) {
    if (pane.sessionName !== session) continue;
    if (pane.windowActive && pane.paneActive) return pane;
    first ??= pane;
  }
  return first;
}
