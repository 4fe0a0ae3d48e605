/**
 * Typing into a pane. Text is always literal: `send-keys -l --` (so `Enter`, `-x`, `#{..}`
 * are text, and a trailing `;` is escaped), or for multi-line and long text a named buffer
 * loaded from stdin and pasted with `paste-buffer -p` (bracketed when the program asked for
 * it) and deleted afterwards. Named keys are validated against a fixed list.
 */
import { randomBytes } from 'node:crypto';
import { TmuxKeyError } from './errors.js';
import { runTmuxOk, type TmuxServer } from './run.js';
import { literalArg } from './session.js';

/** Above this many UTF-8 bytes text is pasted: one tmux command carries at most ~16 KB. */
export const LITERAL_LIMIT = 2048;

export async function sendLiteral(server: TmuxServer, paneId: string, text: string): Promise<void> {
  await runTmuxOk(server, ['send-keys', '-t', paneId, '-l', '--', literalArg(text)]);
}

export async function pasteText(server: TmuxServer, paneId: string, text: string): Promise<void> {
  const buffer = `kb-${process.pid}-${randomBytes(6).toString('hex')}`;
  await runTmuxOk(server, ['load-buffer', '-b', buffer, '-'], { input: text });
  await runTmuxOk(server, ['paste-buffer', '-p', '-d', '-b', buffer, '-t', paneId]);
}

/** Types text: literal send-keys for one short line, a bracketed paste otherwise. */
export async function typeText(server: TmuxServer, paneId: string, text: string): Promise<'keys' | 'paste'> {
  if (/[\r\n]/.test(text) || Buffer.byteLength(text) > LITERAL_LIMIT) {
    await pasteText(server, paneId, text);
    return 'paste';
  }
  await sendLiteral(server, paneId, text);
  return 'keys';
}

const NAMED_KEYS = new Map(
  [
    'Enter', 'Escape', 'Up', 'Down', 'Left', 'Right', 'Tab', 'BTab', 'Space', 'BSpace',
    'Home', 'End', 'PageUp', 'PageDown', 'DC', 'IC',
    ...Array.from({ length: 12 }, (_, i) => `F${i + 1}`),
  ].map((k) => [k.toLowerCase(), k] as const),
);
const ALIASES: Record<string, string> = { esc: 'Escape', return: 'Enter', backspace: 'BSpace', 'shift-tab': 'BTab', delete: 'DC' };

export type Key = { kind: 'named'; name: string } | { kind: 'char'; char: string };

/**
 * Parses a key argument: a key name (any case: Enter, Escape/Esc, Up, Down, Left, Right,
 * Tab, BTab, Space, BSpace, Home, End, PageUp, PageDown, F1-F12), a control key (C-c), or
 * one character (digits, y, n, ...), which is sent literally.
 */
export function parseKey(arg: string): Key {
  if ([...arg].length === 1) return { kind: 'char', char: arg };
  const lower = arg.toLowerCase();
  const named = NAMED_KEYS.get(lower) ?? ALIASES[lower];
  if (named) return { kind: 'named', name: named };
  const ctrl = /^c-([a-z])$/i.exec(arg);
  if (ctrl) return { kind: 'named', name: `C-${ctrl[1]!.toLowerCase()}` };
  throw new TmuxKeyError(
    `unknown key ${JSON.stringify(arg)}`,
    'use key names (Enter Escape Up Down Left Right Tab BTab Space BSpace Home End PageUp PageDown F1-F12), C-<letter>, or single characters; send text without --keys',
  );
}

export async function sendKey(server: TmuxServer, paneId: string, key: Key): Promise<void> {
  if (key.kind === 'char') await sendLiteral(server, paneId, key.char);
  else await runTmuxOk(server, ['send-keys', '-t', paneId, key.name]);
}

/** Leaves copy mode (or any mode), which would otherwise swallow the keys. */
export async function leaveMode(server: TmuxServer, paneId: string): Promise<void> {
  await runTmuxOk(server, ['copy-mode', '-q', '-t', paneId]);
}
