/**
 * Delivering a message or keys to an agent, and proving the message was taken.
 *
 * A message is typed (literally, or pasted when it has several lines), and must show in
 * the agent's input field (the profile's `input` region) before the submit keys go: text
 * typed while the program redraws can be lost, so it is typed once more if it never shows.
 * After submitting, "sent" needs positive evidence that the agent took it as a turn:
 *   - working: the agent went busy (and was not busy before),
 *   - dialog: it raised a dialog that was not there before,
 *   - echoed: the text left the input field AND appears once more in the conversation,
 *   - exited: the program ended on it (a shell's `exit`),
 *   - or what the agent itself reported (evidence, issue "Evidence beyond the screen").
 * Nothing else counts; without evidence the call fails saying what the screen shows.
 */
import type { Agent } from '../agents/catalog.js';
import type { Clock } from '../clock.js';
import { KbError, UsageError } from '../errors.js';
import { screenContext } from '../rules/compile.js';
import { parseKey, type Key } from '../tmux/keys.js';
import type { Observation, PaneIO } from './pane-io.js';

export type Proof = 'working' | 'dialog' | 'echoed' | 'exited' | 'evidence';

export interface Delivery {
  proof: Proof;
  /** How many times the submit keys were sent. */
  submits: number;
  /** Whether the text had to be typed a second time. */
  retyped: boolean;
}

/** The message was not proven delivered; `screen` is what the pane showed. */
export class DeliveryError extends KbError {
  constructor(
    message: string,
    readonly screen: string,
    hint: string,
  ) {
    super(`${message}; the screen shows:\n${screen}`, { hint });
    this.name = 'DeliveryError';
  }
}

export interface DeliverOptions {
  /** The session name, for messages. */
  name: string;
  /** Type even though the screen shows a dialog answered by keys. */
  force?: boolean;
  /** How many times the submit keys are sent at most (default 3). */
  submitAttempts?: number;
  /** Extra evidence of delivery the agent publishes (hooks, its state file), checked while waiting. */
  evidence?: (since: number, pane: Observation['pane']) => Promise<boolean>;
  /**
   * A first-run dialog (the profile's `dialogs:`) came up after the submit: it is not the
   * agent taking the message (Codex asks to trust the folder on the first submit). Return
   * true once it was answered; without this, or on false, the delivery fails.
   */
  onFirstRunDialog?: (obs: Observation) => Promise<boolean>;
}

/** The text without any whitespace or box borders: wrapping and margins do not matter. */
export function squash(text: string): string {
  return text.replace(/[\s│┃|\u200b-\u200d\ufeff]+/g, '');
}

/** A recognisable piece of the message: the start of its first non-blank line, squashed. */
export function messageHead(text: string): string {
  const first = text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  return squash(first).slice(0, 24);
}

function count(haystack: string, needle: string): number {
  if (needle === '') return 0;
  let n = 0;
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + needle.length)) n++;
  return n;
}

/** The input field's lines on this screen: null when the profile has none, [] when it is not drawn. */
export function inputLines(agent: Agent, obs: Pick<Observation, 'lines' | 'pane'>): string[] | null {
  if (!agent.input) return null;
  const ctx = screenContext(obs.lines, { cursorY: obs.pane?.cursorY });
  return agent.input(ctx).map((i) => obs.lines[i] as string);
}

interface Probe {
  /** The input field (squashed); null: the agent has none; '' : not on screen or empty. */
  input: string | null;
  found: boolean;
  hasText: boolean;
}

function probe(agent: Agent, obs: Observation, head: string): Probe {
  const lines = inputLines(agent, obs);
  if (lines === null) return { input: null, found: false, hasText: false };
  const joined = lines.join('\n');
  const input = squash(joined);
  const pasted = agent.pasted.some((re) => re.test(joined));
  return { input, found: lines.length > 0, hasText: pasted || (head !== '' && input.includes(head)) };
}

/** The last non-blank lines of a screen, for messages. */
export function lastLines(lines: readonly string[], n = 10): string {
  return lines.filter((l) => l.trim() !== '').slice(-n).join('\n');
}

async function waitStable(io: PaneIO, clock: Clock, from: Observation, ok: (o: Observation) => boolean, timeoutMs: number, stableMs: number): Promise<Observation> {
  const deadline = clock.now() + timeoutMs;
  let last = from;
  let since = clock.now();
  for (;;) {
    await clock.sleep(80);
    const obs = await io.observe();
    if (!obs.pane || obs.pane.dead) return obs;
    if (obs.raw !== last.raw) since = clock.now();
    last = obs;
    if (ok(obs) && clock.now() - since >= stableMs) return obs;
    if (clock.now() >= deadline) return obs;
  }
}

async function prepare(io: PaneIO): Promise<Observation> {
  let obs = await io.observe();
  if (obs.pane?.inMode) {
    await io.leaveMode();
    obs = await io.observe();
  }
  return obs;
}

function gone(name: string, what: string): KbError {
  return new KbError(`session "${name}" has exited; ${what}`, { hint: `read its last screen with kb read --name ${name}` });
}

/** A first-run dialog came up while delivering: the attempt stops, the caller may answer it and retry. */
class FirstRunDialogSeen extends Error {
  constructor(readonly obs: Observation) {
    super('first-run dialog');
  }
}

const isFirstRun = (agent: Agent, obs: Observation): boolean =>
  obs.classification.needs_intervention && agent.dialogs.has(obs.classification.rule ?? '');

/** Types `text` into the agent and proves it was submitted (see the file comment). */
export async function deliverText(io: PaneIO, agent: Agent, clock: Clock, text: string, options: DeliverOptions): Promise<Delivery> {
  if (text.trim() === '') throw new UsageError('the message is empty', 'pass the text to send, or use --keys KEY... for keys');
  for (let round = 0; ; round++) {
    try {
      return await deliverOnce(io, agent, clock, text, options);
    } catch (error) {
      if (!(error instanceof FirstRunDialogSeen)) throw error;
      // A first-run dialog is the program's, not the agent's answer to the message: answer
      // it if the caller can (spawn --accept-dialogs), then deliver again.
      if (round < 3 && options.onFirstRunDialog && (await options.onFirstRunDialog(error.obs))) continue;
      throw new DeliveryError(
        `a first-run dialog (${error.obs.classification.rule}) came up in session "${options.name}" while the message was delivered; the agent has not taken it`,
        lastLines(error.obs.lines),
        `answer the dialog (kb send --name ${options.name} --keys ...), then send the message again; spawn --accept-dialogs answers such dialogs by itself`,
      );
    }
  }
}

async function deliverOnce(io: PaneIO, agent: Agent, clock: Clock, text: string, options: DeliverOptions): Promise<Delivery> {
  const before = await prepare(io);
  if (!before.pane || before.pane.dead) throw gone(options.name, 'nothing was sent');
  if (isFirstRun(agent, before)) throw new FirstRunDialogSeen(before);
  const c = before.classification;
  if (c.answer === 'keys' && !options.force) {
    throw new KbError(
      `session "${options.name}" shows a ${c.state.replace('_', ' ')} answered by keys (${c.rule}); typed text would answer it, so nothing was sent`,
      { hint: `answer it with kb send --name ${options.name} --keys KEY... (e.g. Enter, Down Enter, Escape), or pass --force to type anyway` },
    );
  }
  const head = messageHead(text);
  const multiline = /[\r\n]/.test(text.trim());
  const echoedBefore = count(squash((await io.history(300)).join('\n')), head) - count(probe(agent, before, head).input ?? '', head);
  const started = clock.now();
  const type = (): Promise<void> => (multiline || Buffer.byteLength(text) > 2048 ? io.paste(text) : io.literal(text));
  const watch = async (from: Observation, ok: (o: Observation) => boolean, ms: number): Promise<Observation> => {
    const obs = await waitStable(io, clock, from, (o) => isFirstRun(agent, o) || ok(o), ms, 250);
    if (isFirstRun(agent, obs)) throw new FirstRunDialogSeen(obs);
    return obs;
  };

  // 1. The text must show in the input field before it is submitted. (After a first-run
  //    dialog it may be there already: then it is not typed again.)
  const settleMs = 3000 + Math.min(15_000, Math.floor(Buffer.byteLength(text) / 10_000) * 1000);
  let retyped = false;
  let typed = before;
  let p = probe(agent, before, head);
  if (!p.hasText || p.input === null) {
    await type();
    typed = await watch(before, (o) => probe(agent, o, head).hasText || probe(agent, o, head).input === null, settleMs);
    p = probe(agent, typed, head);
    if (!typed.pane || typed.pane.dead) throw gone(options.name, 'the message may not have arrived');
    if (p.input !== null && !p.hasText && (!p.found || !p.input.includes(head.slice(0, 4)))) {
      // Nothing of it arrived (the program was redrawing): type it once more.
      retyped = true;
      await type();
      typed = await watch(typed, (o) => probe(agent, o, head).hasText, settleMs);
      p = probe(agent, typed, head);
    }
  }
  if (p.input !== null && !p.hasText) {
    throw new DeliveryError(
      `the message was typed into session "${options.name}" but never showed in its input field, so it was not submitted`,
      lastLines(typed.lines),
      `look at it with kb read --name ${options.name}; if the agent is still starting, wait for it to be idle (kb monitor --until idle --match ${options.name}) and send again`,
    );
  }

  // 2. Submit, and wait for evidence that the agent took it.
  const attempts = options.submitAttempts ?? 3;
  const wasWorking = before.classification.state === 'working';
  const hadDialog = before.classification.needs_intervention ? before.classification.rule : null;
  let current = typed;
  for (let submit = 1; submit <= attempts; submit++) {
    for (const k of agent.submit) await io.key(k);
    const deadline = clock.now() + 1500 * submit + (submit === attempts ? 3000 : 0);
    for (;;) {
      await clock.sleep(120);
      const obs = await io.observe();
      current = obs;
      if (!obs.pane || obs.pane.dead) return { proof: 'exited', submits: submit, retyped };
      const cls = obs.classification;
      if (isFirstRun(agent, obs)) throw new FirstRunDialogSeen(obs);
      if (cls.state === 'working' && !wasWorking) return { proof: 'working', submits: submit, retyped };
      if (cls.needs_intervention && cls.rule !== hadDialog) return { proof: 'dialog', submits: submit, retyped };
      if (options.evidence && (await options.evidence(started, obs.pane))) return { proof: 'evidence', submits: submit, retyped };
      const now = probe(agent, obs, head);
      if (!now.hasText) {
        const echoed = count(squash((await io.history(300)).join('\n')), head) - count(now.input ?? '', head);
        if (echoed > echoedBefore) return { proof: 'echoed', submits: submit, retyped };
      }
      if (clock.now() >= deadline) break;
    }
    // Still in the input field: submit again. Gone from it without evidence: wait no more.
    if (!probe(agent, current, head).hasText) break;
  }
  const still = probe(agent, current, head).hasText;
  throw new DeliveryError(
    still
      ? `the message is still in the input field of session "${options.name}" after ${attempts} submits: the agent did not take it`
      : `the message left the input field of session "${options.name}" but nothing shows that the agent took it (it did not go busy, and the text is not in the conversation)`,
    lastLines(current.lines),
    `look at the screen with kb read --name ${options.name} before sending again (it may arrive twice)`,
  );
}

/** Sends keys one at a time; resolves once the screen shows the last key's effect. */
export async function sendKeys(io: PaneIO, clock: Clock, keyArgs: readonly string[], options: { name: string; timeoutMs?: number }): Promise<void> {
  if (keyArgs.length === 0) throw new UsageError('--keys needs at least one key', 'e.g. kb send --name X --keys Down Enter');
  const keys: Key[] = keyArgs.map(parseKey);
  const before = await prepare(io);
  if (!before.pane || before.pane.dead) throw gone(options.name, 'no keys were sent');
  let previous = before;
  for (const [i, key] of keys.entries()) {
    if (key.kind === 'char') await io.literal(key.char);
    else await io.key(key.name);
    if (i < keys.length - 1) {
      // Let the program redraw before the next key, so each key acts on the screen it sees.
      previous = await waitStable(io, clock, previous, (o) => o.raw !== previous.raw, 600, 0);
    }
  }
  // Wait for the last key's effect (not just the first key's), so that when this returns
  // the screen already shows the answer and nobody answers the same dialog twice.
  const deadline = clock.now() + (options.timeoutMs ?? 5000);
  for (;;) {
    await clock.sleep(80);
    const obs = await io.observe();
    if (!obs.pane || obs.pane.dead || obs.raw !== previous.raw) return;
    if (clock.now() >= deadline) break;
  }
  throw new KbError(`the screen of session "${options.name}" did not change after the keys ${keyArgs.join(' ')}`, {
    hint: `check the screen with kb read --name ${options.name} before sending more keys`,
  });
}
