/** Small helpers for reading a plain (no ANSI) Claude Code screen while driving it. */

export type Matcher = string | RegExp | ((screen: string) => boolean);

export function matches(screen: string, m: Matcher): boolean {
  if (typeof m === 'string') return screen.includes(m);
  if (m instanceof RegExp) return m.test(screen);
  return m(screen);
}

const BORDER = /^\s*─{8,}/;

/** The text of Claude Code's input line (`❯ ...` directly under a ─── border), or undefined. */
export function inputLine(screen: string): string | undefined {
  const lines = screen.split('\n');
  for (let i = lines.length - 1; i > 0; i--) {
    const line = lines[i] ?? '';
    if (line.startsWith('❯') && BORDER.test(lines[i - 1] ?? '')) return line.slice(1).trim();
  }
  return undefined;
}

/** Busy footer / spinner line present. */
export function isBusy(screen: string): boolean {
  return /esc to interrupt/i.test(screen);
}

/** The REPL input box is on screen and Claude is not busy. */
export function isIdleRepl(screen: string): boolean {
  return inputLine(screen) !== undefined && !isBusy(screen);
}

/** Last non-blank line (shell prompt detection). */
export function lastLine(screen: string): string {
  const lines = screen.split('\n').filter((l) => l.trim() !== '');
  return lines.at(-1) ?? '';
}
