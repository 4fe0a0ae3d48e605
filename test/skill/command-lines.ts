/**
 * Finds every `kb ...` command line a Markdown text shows (in fenced blocks and in inline
 * code) and parses each against the real commander program, options and their values
 * included, without running anything: a preAction hook stops before the action.
 */
import { CommanderError, type Command } from 'commander';
import { parseMonitorFlags, type MonitorFlags } from '../../src/monitor/options.js';
import { buildProgram } from '../../src/program.js';
import { parseSize } from '../../src/sessions/spawn.js';
import { parseKey } from '../../src/tmux/keys.js';

export interface Shown {
  /** Where it was found: `file:line`. */
  at: string;
  /** The command line from `kb` on, as written. */
  line: string;
  /** Its words after `kb`. */
  words: string[];
  /** Found in inline code (prose), not in a fenced block. */
  inline: boolean;
}

const SEPARATORS = new Set(['|', '||', '&&', ';', '&', ')', '`']);

/** Shell words of `text` up to the end of its first command (a pipe, `;`, `&&`, `)`, a redirection). */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let i = 0;
  let word: string | null = null;
  const push = () => {
    if (word !== null) words.push(word);
    word = null;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unclosed ' in: ${text}`);
      word = (word ?? '') + text.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      let j = i + 1;
      let v = '';
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\' && j + 1 < text.length) j += 1;
        v += text[j];
        j += 1;
      }
      if (j >= text.length) throw new Error(`unclosed " in: ${text}`);
      word = (word ?? '') + v;
      i = j + 1;
    } else if (/\s/.test(c)) {
      push();
      i += 1;
    } else if (word === null && c === '#') {
      break; // a comment
    } else if ('|;&)`'.includes(c)) {
      push();
      const two = text.slice(i, i + 2);
      if (SEPARATORS.has(two) || SEPARATORS.has(c)) break;
      i += 1;
    } else if (c === '>' || c === '<') {
      // A redirection ends the words of the command (the rest is its target).
      if (word !== null && /^\d+$/.test(word)) word = null;
      push();
      break;
    } else {
      word = (word ?? '') + c;
      i += 1;
    }
  }
  push();
  return words;
}

/** Lines of code in a Markdown text: fenced block lines (with their language) and inline code spans. */
function codeOf(markdown: string): { line: number; lang: string; text: string }[] {
  const out: { line: number; lang: string; text: string }[] = [];
  let fence: string | null = null;
  markdown.split('\n').forEach((raw, n) => {
    const open = /^\s*```(\S*)/.exec(raw);
    if (open) {
      fence = fence === null ? open[1] || 'text' : null;
      return;
    }
    if (fence !== null) {
      out.push({ line: n + 1, lang: fence, text: raw });
      return;
    }
    for (const m of raw.matchAll(/`([^`]+)`/g)) out.push({ line: n + 1, lang: 'inline', text: m[1]! });
  });
  return out;
}

/** Every `kb` command line shown in a Markdown text, except the usage synopses given. */
export function shownCommands(file: string, markdown: string, synopses: ReadonlySet<string>): Shown[] {
  const shown: Shown[] = [];
  for (const code of codeOf(markdown)) {
    if (synopses.has(code.text.trim())) continue;
    for (const m of code.text.matchAll(/(^|[\s(|;&>`])kb(?=\s|$)/g)) {
      const start = m.index! + m[1]!.length;
      const before = code.text.slice(0, start);
      // In a shell block, a `kb` inside a comment is prose.
      if ((code.lang === 'sh' || code.lang === 'bash') && /(^|\s)#/.test(before.replace(/"[^"]*"|'[^']*'/g, ''))) continue;
      const line = code.text.slice(start);
      shown.push({ at: `${file}:${code.line}`, line: line.trim(), words: shellWords(line).slice(1), inline: code.lang === 'inline' });
    }
  }
  return shown;
}

class Parsed extends Error {
  constructor(
    readonly command: Command,
    readonly args: string[],
  ) {
    super('parsed');
  }
}

function quietly(command: Command): void {
  command.exitOverride();
  command.configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  for (const sub of command.commands) quietly(sub);
}

function pathOf(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** `kb stop` alone (in prose: the name of a command, not a command line): does it exist? */
export function namesACommand(words: readonly string[]): boolean | null {
  if (words.some((w) => w.startsWith('-'))) return null;
  let command: Command = buildProgram();
  for (const w of words) {
    const sub = command.commands.find((c) => c.name() === w);
    if (!sub) return words.length > 0 && command.commands.length === 0 ? null : false;
    command = sub;
  }
  return true;
}

/** Parses `kb <words>` with the real program; null when it parses, else what is wrong. */
export async function problemWith(words: readonly string[]): Promise<string | null> {
  const program = buildProgram();
  quietly(program);
  program.hook('preAction', (_root, action) => {
    throw new Parsed(action, action.args);
  });
  try {
    await program.parseAsync(['node', 'kb', ...words]);
    return 'ran nothing (a command that only groups others?)';
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.version' || error.code === 'commander.helpDisplayed') return null;
      return error.message;
    }
    if (!(error instanceof Parsed)) return (error as Error).message;
    // The values commander leaves to the action, checked the way the action checks them.
    const path = pathOf(error.command);
    const opts = error.command.opts();
    try {
      if (path === 'send' && opts.keys) error.args.forEach((k) => parseKey(k));
      if (path === 'monitor') parseMonitorFlags(opts as MonitorFlags);
      if (path === 'spawn') parseSize(String(opts.size));
    } catch (e) {
      return (e as Error).message;
    }
    return null;
  }
}
