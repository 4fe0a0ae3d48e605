/**
 * What the pi and Cline scenarios share: one agent in a pane of the private tmux server, talking
 * to the Chat Completions mock (test/support/mock-chat.ts), with its temp HOME and working
 * directory (all removed afterwards, pass or fail), and the steps every scenario takes: save a
 * screen, ask and wait for the answer, wait until the pane is dead.
 */
import type { PrivateTmux } from '../lib/tmux.js';
import type { MockChat } from '../../test/support/mock-chat.js';
import { runAgent } from './agent-run.js';
import { savePane, sizeName, type FixtureMeta, type Label, type RecordOptions, type Scenario, type Size } from './run-others.js';

export interface ChatRun {
  t: PrivateTmux;
  pane: string;
  size: Size;
  opts: RecordOptions;
  mock: MockChat;
  work: string;
  /** the pane's environment (HOME ...), e.g. for a second start in the same HOME */
  env: Record<string, string>;
}

export interface ChatParts {
  mock: MockChat;
  work: { dir: string; cleanup(): Promise<unknown> };
  home: { env: Record<string, string>; cleanup(): Promise<void> };
  env?: Record<string, string>;
  argv: string[];
}

/** Starts the agent in a new pane, runs `body`, then ends the pane, the mock, HOME and the workdir. */
export function runChatAgent<T>(t: PrivateTmux, size: Size, opts: RecordOptions, parts: ChatParts, body: (r: ChatRun) => Promise<T>): Promise<T> {
  return runAgent(t, size, opts, parts, (r) => body({ ...r, env: parts.env ?? parts.home.env }));
}

export interface ChatKit<S> {
  agent: FixtureMeta['agent'];
  program: string;
  version(): string;
  /** quiet time before a screen is saved */
  settleMs: number;
  start(t: PrivateTmux, size: Size, opts: RecordOptions, setup: S, body: (r: ChatRun) => Promise<string[]>): Promise<string[]>;
  /** waits for the idle input field of a fresh session */
  ready(r: ChatRun): Promise<void>;
  /** the input field is idle on this screen */
  idle(screen: string): boolean;
}

/** Whitespace collapsed: wrapped answers compare as one line. */
export const flatten = (s: string) => s.replace(/\s+/g, ' ');

/** Polls until the pane is dead (the agent exited). */
export async function waitDead(r: ChatRun, timeoutMs = 15_000): Promise<void> {
  await r.t.waitFor(r.pane, async () => (await r.t.facts(r.pane)).dead, 'a dead pane', timeoutMs);
}

/** Types a prompt and waits until the mock has received a main-loop request for it. */
export async function ask(r: ChatRun, prompt: string): Promise<void> {
  const before = r.mock.mainRequests().length;
  await r.t.submit(r.pane, prompt, () => r.mock.mainRequests().length > before);
}

export function chatSteps<S>(kit: ChatKit<S>) {
  // One retry in a fresh HOME and directory: on 2 busy cores a start-up can lose a keystroke.
  const scenario = (name: string, setup: S, body: (r: ChatRun) => Promise<string[]>): Scenario => ({
    name,
    run: async (t, size, opts) => {
      try {
        return await kit.start(t, size, opts, setup, body);
      } catch (err) {
        (opts.log ?? console.error)(`retrying ${name} ${size.w}x${size.h}: ${(err as Error).message.split('\n')[0]}`);
        return kit.start(t, size, opts, setup, body);
      }
    },
  });

  /** Saves the screen as `<base>-<WxH>` (after it settles, unless `settle` is false). */
  const record = async (r: ChatRun, base: string, label: Label, settle = true): Promise<string> => {
    if (settle) await r.t.settle(r.pane, kit.settleMs, 8_000);
    return savePane(r.t, r.pane, r.opts, `${base}-${sizeName(r.size)}`, {
      agent: kit.agent,
      program: kit.program,
      version: kit.version(),
      size: sizeName(r.size),
      scenario: base,
      state: label.state,
      rule: label.rule,
      near_miss: label.near_miss,
    });
  };

  /** Asks, then waits for the idle input field under the answer's last words. */
  const answered = async (r: ChatRun, prompt: string, tail: string): Promise<void> => {
    await kit.ready(r);
    await ask(r, prompt);
    await r.t.waitFor(r.pane, (s) => flatten(s).includes(tail) && kit.idle(s), 'the answer and the idle input field', 45_000);
  };

  return { scenario, record, answered };
}
