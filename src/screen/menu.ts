/**
 * Menus on a screen: the option lines of a dialog or picker, the one the cursor is on
 * (marked ❯ › ▶ ● or >), and an option's text without the marker and numbering.
 */
const MARKER = /^\s*[│|]?\s*([❯›▶●>])\s+(.*)$/;

/** The option text of a menu line, without the cursor marker and `N.` numbering. */
export function optionText(line: string): string {
  const m = MARKER.exec(line);
  const body = m ? m[2]! : line.replace(/^\s*[│|]?\s*/, '');
  return body.replace(/^\d+[.)]\s+/, '').replace(/[│|]\s*$/, '').trim();
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
