import stripAnsi from 'strip-ansi';

/**
 * A normalised screen: the pane's rows with escape sequences removed, trailing
 * whitespace trimmed from each row and trailing blank rows dropped. Wide characters and
 * box drawing are kept as they are.
 */
export interface Screen {
  readonly lines: readonly string[];
}

// Sequences strip-ansi leaves behind: charset selects (ESC ( B, ESC ) 0), keypad modes
// (ESC = / ESC >), DEC private single-character controls (ESC 7 / ESC 8), and any other
// stray C0 control apart from tab.
const LEFTOVER_ESCAPES = /\u001b[()*+][0-9A-Za-z]|\u001b[=>78cDEHMNOZ\\]|[\u0000-\u0008\u000b-\u001f\u007f]/g;
// Anything strip-ansi or the leftover pass would change: ESC, CSI (U+009B), C0 controls but tab.
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f\u009b]/;

/** Strips ANSI (CSI, OSC, charset selects) and other control characters from text. */
export function stripControls(text: string): string {
  // The monitor captures without -e: most screens hold no control character at all.
  if (!CONTROLS.test(text)) return text;
  const stripped = stripAnsi(text);
  return CONTROLS.test(stripped) ? stripped.replace(LEFTOVER_ESCAPES, '') : stripped;
}

/** Raw `capture-pane -p [-e]` output to a Screen. Pure and idempotent on its own output. */
export function normalize(raw: string): Screen {
  const text = stripControls(raw.includes('\r') ? raw.replace(/\r\n?/g, '\n') : raw);
  const rows = text.split('\n');
  let end = rows.length;
  const lines: string[] = new Array(end);
  for (let i = 0; i < end; i++) lines[i] = (rows[i] as string).trimEnd();
  while (end > 0 && lines[end - 1] === '') end--;
  lines.length = end;
  return { lines };
}

/** The screen as text again (rows joined by newlines). */
export function screenText(screen: Screen): string {
  return screen.lines.join('\n');
}
