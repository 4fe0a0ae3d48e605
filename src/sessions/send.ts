/**
 * Delivering a message or keys to a session. A message is typed literally, Enter is sent
 * alone once the text is on screen, and the submission is verified (input cleared, the
 * agent working, or a dialog it raised) with a bounded number of Enter retries. Keys are
 * sent one at a time, and the call returns once the screen has changed.
 */
import { KbError, UsageError } from '../errors.js';
import { leaveMode, parseKey, sendKey, typeText, type Key } from '../tmux/keys.js';
import { runTmuxOk, type TmuxServer } from '../tmux/run.js';
import type { RuleSet } from '../rules/load.js';
import { isWorking, observe, sleep, type Observation } from './observe.js';
import type { RegistryEntry } from './registry.js';

export interface PaneRef {
  server: TmuxServer;
  session: string;
  paneId: string;
  agent: string;
  rules: RuleSet;
}

export function paneRef(entry: RegistryEntry, server: TmuxServer, paneId: string, rules: RuleSet): PaneRef {
  return { server, session: entry.tmux_session, paneId, agent: entry.agent ?? 'claude', rules };
}

const look = (ref: PaneRef): Promise<Observation> => observe(ref.server, ref.session, ref.paneId, ref.agent, ref.rules);

/**
 * The agent's input field, when it can be found: Claude Code's box between the last two
 * horizontal rules, Gemini CLI's bordered box, Codex's `›` composer line.
 */
export function inputRegion(lines: readonly string[]): string | null {
  const rules: number[] = [];
  lines.forEach((l, i) => {
    if (/^\s*─{8,}\s*$/.test(l)) rules.push(i);
  });
  if (rules.length >= 2) {
    const a = rules[rules.length - 2]!;
    const b = rules[rules.length - 1]!;
    if (b - a <= 30) return lines.slice(a + 1, b).join('\n');
  }
  let bottom = -1;
  for (let i = lines.length - 1; i >= 0; i--) if (/^\s*╰─+╯\s*$/.test(lines[i]!)) { bottom = i; break; }
  if (bottom > 0) {
    for (let i = bottom - 1; i >= 0 && i >= bottom - 30; i--) {
      if (/^\s*╭─+╮\s*$/.test(lines[i]!)) return lines.slice(i + 1, bottom).join('\n');
    }
  }
  for (let i = lines.length - 1; i >= 0 && i >= lines.length - 8; i--) if (/^\s*›/.test(lines[i]!)) return lines[i]!;
  return null;
}

const squash = (s: string): string => s.replace(/[\s│|]+/g, ' ').trim();

/** A recognisable piece of the message: the start of its first non-blank line. */
function messageHead(text: string): string {
  const first = text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  return squash(first).slice(0, 16);
}

function stillInInput(lines: readonly string[], head: string): boolean | null {
  const region = inputRegion(lines);
  if (region === null) return null;
  if (/\[Pasted text/.test(region)) return true;
  return head !== '' && squash(region).includes(head);
}

async function waitForChange(ref: PaneRef, from: string, timeoutMs: number, stableMs = 0): Promise<Observation | null> {
  const deadline = Date.now() + timeoutMs;
  let last: Observation | null = null;
  let lastRaw = from;
  let since = 0;
  for (;;) {
    const obs = await look(ref);
    if (!obs.pane || obs.pane.dead) return obs;
    if (obs.raw !== from) {
      if (stableMs === 0) return obs;
      if (obs.raw === lastRaw) {
        if (Date.now() - since >= stableMs) return obs;
      } else {
        since = Date.now();
      }
      last = obs;
    }
    lastRaw = obs.raw;
    if (Date.now() >= deadline) return last;
    await sleep(80);
  }
}

export interface SendOptions {
  force?: boolean;
  /** How many times Enter is sent before giving up (default 3). */
  enterAttempts?: number;
  name: string;
}

async function prepare(ref: PaneRef): Promise<Observation> {
  let obs = await look(ref);
  if (obs.pane?.inMode) {
    await leaveMode(ref.server, ref.paneId);
    obs = await look(ref);
  }
  return obs;
}

/** Types `text` and confirms it was submitted. */
export async function sendMessage(ref: PaneRef, text: string, options: SendOptions): Promise<void> {
  if (text.trim() === '') throw new UsageError('the message is empty', 'pass the text to send, or use --keys KEY... for keys');
  const before = await prepare(ref);
  if (!before.pane || before.pane.dead) {
    throw new KbError(`session "${options.name}" has exited; nothing was sent`, {
      hint: `read its last screen with kb read --name ${options.name}`,
    });
  }
  const c = before.classification;
  if (c.answer === 'keys' && !options.force) {
    throw new KbError(
      `session "${options.name}" shows a ${c.state.replace('_', ' ')} answered by keys (${c.rule}); typed text would answer it, so nothing was sent`,
      { hint: `answer it with kb send --name ${options.name} --keys KEY... (e.g. Enter, Down Enter, Escape), or pass --force to type anyway` },
    );
  }
  await typeText(ref.server, ref.paneId, text);
  // Wait until the text is on screen (and the screen settled) before Enter: an Enter that
  // arrives with the paste is taken as part of it by Ink-based TUIs.
  const settleMs = 3000 + Math.min(15_000, Math.floor(Buffer.byteLength(text) / 10_000) * 1000);
  const typed = (await waitForChange(ref, before.raw, settleMs, 250)) ?? (await look(ref));
  if (!typed.pane || typed.pane.dead) return;
  const head = messageHead(text);
  const attempts = options.enterAttempts ?? 3;
  let current = typed;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    await runTmuxOk(ref.server, ['send-keys', '-t', ref.paneId, 'Enter']);
    const deadline = Date.now() + 1500 * attempt;
    for (;;) {
      await sleep(120);
      const obs = await look(ref);
      if (!obs.pane || obs.pane.dead) return;
      const cls = obs.classification;
      if (isWorking(obs, ref.agent) || cls.answer === 'keys') return;
      if (obs.raw !== current.raw) {
        const pending = stillInInput(obs.lines, head);
        if (pending === null || pending === false) return;
      }
      if (Date.now() >= deadline) {
        current = obs;
        break;
      }
    }
  }
  throw new KbError(`the message was typed into session "${options.name}" but not submitted after ${attempts} Enter key presses`, {
    hint: `look at the screen with kb read --name ${options.name}; the text may still be in the input box`,
  });
}

/** Sends keys one at a time; resolves once the screen differs from before the first key. */
export async function sendKeys(ref: PaneRef, keyArgs: readonly string[], options: { name: string; timeoutMs?: number }): Promise<void> {
  if (keyArgs.length === 0) throw new UsageError('--keys needs at least one key', 'e.g. kb send --name X --keys Down Enter');
  const keys: Key[] = keyArgs.map(parseKey);
  const before = await prepare(ref);
  if (!before.pane || before.pane.dead) {
    throw new KbError(`session "${options.name}" has exited; no keys were sent`, {
      hint: `read its last screen with kb read --name ${options.name}`,
    });
  }
  let previous = before.raw;
  for (const [i, key] of keys.entries()) {
    await sendKey(ref.server, ref.paneId, key);
    if (i < keys.length - 1) {
      // Let the program redraw before the next key, so each key acts on the screen it sees.
      const obs = await waitForChange(ref, previous, 600);
      previous = obs?.raw ?? previous;
    }
  }
  // Wait for the last key's effect (not just the first key's), so that when this returns
  // the screen already shows the answer and nobody answers the same dialog twice.
  const changed = await waitForChange(ref, previous, options.timeoutMs ?? 5000);
  if (!changed) {
    throw new KbError(`the screen of session "${options.name}" did not change after the keys ${keyArgs.join(' ')}`, {
      hint: `check the screen with kb read --name ${options.name} before sending more keys`,
    });
  }
}
