/**
 * What the Codex and Gemini CLI scenarios share: one agent in a pane of the private tmux
 * server with its mock API, temp HOME and working directory (all removed afterwards, pass or
 * fail), and the steps every scenario takes on it: save a screen, ask and wait for the
 * answer, quit with Ctrl-C.
 */
import type { PrivateTmux } from '../lib/tmux.js';
import { savePane, sizeName, type Label, type RecordOptions, type Scenario, type Size } from './run-others.js';

export interface AgentRun<M> {
  t: PrivateTmux;
  pane: string;
  size: Size;
  opts: RecordOptions;
  mock: M;
  work: string;
}

/** What one agent needs besides its pane: started before it, in this order by the caller. */
export interface AgentParts<M> {
  mock: M & { close(): Promise<void> };
  work: { dir: string; cleanup(): Promise<unknown> };
  home: { env: Record<string, string>; cleanup(): Promise<void> };
  /** the pane's environment (default home.env) */
  env?: Record<string, string>;
  argv: string[];
}

/** Starts the agent in a new pane, runs `body`, then ends the pane, the mock, HOME and the workdir. */
export async function runAgent<M, T>(
  t: PrivateTmux,
  size: Size,
  opts: RecordOptions,
  parts: AgentParts<M>,
  body: (r: AgentRun<M>) => Promise<T>,
): Promise<T> {
  const { mock, work, home } = parts;
  const pane = await t.newSession({ width: size.w, height: size.h, cwd: work.dir, env: parts.env ?? home.env, argv: parts.argv });
  try {
    return await body({ t, pane, size, opts, mock, work: work.dir });
  } finally {
    await t.killPaneTree(pane);
    await mock.close();
    await home.cleanup();
    await work.cleanup();
  }
}

export interface AgentKit<M, S> {
  agent: 'codex' | 'gemini';
  version(): string;
  /** quiet time before a screen is saved */
  settleMs: number;
  start(t: PrivateTmux, size: Size, opts: RecordOptions, setup: S, body: (r: AgentRun<M>) => Promise<string[]>): Promise<string[]>;
  /** waits for the idle composer of a fresh session */
  ready(r: AgentRun<M>): Promise<void>;
  /** submits a prompt and waits until the mock has it */
  ask(r: AgentRun<M>, prompt: string): Promise<void>;
  /** the composer is idle on this screen */
  idle(screen: string): boolean;
  /** the screen flattened for finding an answer's last words (wrapping, borders) */
  flatten(screen: string): string;
  /** the setup whose one turn answers `text` in prose */
  textSetup(text: string): S;
}

/** A prompt and the prose answer both agents get in the same words; `tail` ends the answer. */
export interface Prose {
  prompt: string;
  text: string;
  tail: string;
}

/**
 * A streamed answer long enough to watch it arrive (the `working-streaming` screens), as the
 * scenarios have recorded it: `lines`, short lines with `-` bullets (Codex shows streamed text
 * a whole line at a time), or `bullets(last)`, `*` bullets and a last line of the scenario's.
 */
export const STREAMED = {
  lines: [
    'The repository has a single README.md at its root.',
    '',
    '- It describes a small demo project.',
    '- There is no source code yet.',
    '- There are no tests and no build configuration.',
    '- The next step is to pick a language.',
    '- Then add a minimal project skeleton.',
    '- Then add a test runner.',
    '- Then wire up continuous integration.',
    '',
    'That is all there is for now.',
  ].join('\n'),
  bullets: (last: string): string =>
    [
      'The repository has a single README.md at its root.',
      '',
      '* It describes a small demo project.',
      '* There is no source code yet.',
      '* There are no tests and no build configuration.',
      '* The next step is to pick a language.',
      '* Then add a minimal project skeleton and a test runner.',
      '',
      last,
    ].join('\n'),
};

export const PROSE = {
  /** a finished piece of work */
  done: {
    prompt: 'Add a --verbose flag',
    text:
      'I added a `--verbose` flag to the CLI, documented it in README.md and covered it with two tests. ' +
      'All 14 tests pass.',
    tail: 'All 14 tests pass.',
  },
  /** an answer that ends in a question to the user */
  question: {
    prompt: 'Fix the flaky test',
    text:
      'I found two ways to fix the flaky test: retry the network call, or replace it with a local fixture. ' +
      'The fixture is faster but hides real outages. Which approach do you prefer?',
    tail: 'Which approach do you prefer?',
  },
} satisfies Record<string, Prose>;

/** The answer after an API error, when the user asks again (`apiError(..., { retry: true })`). */
export const RETRY_ANSWER = 'The flag is in place and documented. All 14 tests pass.';

/** The scenario steps built on one agent's kit. */
export function agentSteps<M, S>(kit: AgentKit<M, S>) {
  const name = kit.agent;

  const scenario = (scenarioName: string, setup: S, body: (r: AgentRun<M>) => Promise<string[]>): Scenario => ({
    name: scenarioName,
    run: (t, size, opts) => kit.start(t, size, opts, setup, body),
  });

  /** Saves the screen as `<base>-<WxH>` (after it settles, unless `settle` is false). */
  const record = async (r: AgentRun<M>, base: string, label: Label, settle = true): Promise<string> => {
    if (settle) await r.t.settle(r.pane, kit.settleMs, 8_000);
    return savePane(r.t, r.pane, r.opts, `${base}-${sizeName(r.size)}`, {
      agent: name,
      program: name,
      version: kit.version(),
      size: sizeName(r.size),
      scenario: base,
      state: label.state,
      rule: label.rule,
      near_miss: label.near_miss,
    });
  };

  /** Answers in prose, then waits for the idle composer under the answer's last words. */
  const answered = async (r: AgentRun<M>, prompt: string, tail: string): Promise<void> => {
    await kit.ready(r);
    await kit.ask(r, prompt);
    await r.t.waitFor(r.pane, (s) => kit.flatten(s).includes(tail) && kit.idle(s), 'the answer and idle composer', 30_000);
  };

  /** Asks `prose.prompt`, waits for the answer and the idle composer, saves the screen as `scenarioName`. */
  const prose = (scenarioName: string, text: Prose, label: Label): Scenario =>
    scenario(scenarioName, kit.textSetup(text.text), async (r) => {
      await answered(r, text.prompt, text.tail);
      return [await record(r, scenarioName, label)];
    });

  /**
   * An API error ends the turn of `PROSE.done.prompt`: waits for `shown` over the idle composer;
   * with `retry`, asks again and waits for `RETRY_ANSWER` (the setup's next turn) before saving.
   */
  const apiError = (
    scenarioName: string,
    setup: S,
    shown: { pattern: RegExp; what: string },
    label: Label,
    opts: { retry?: boolean } = {},
  ): Scenario =>
    scenario(scenarioName, setup, async (r) => {
      await kit.ready(r);
      await kit.ask(r, PROSE.done.prompt);
      await r.t.waitFor(r.pane, (s) => shown.pattern.test(s) && kit.idle(s), shown.what, 30_000);
      if (opts.retry) {
        await kit.ask(r, 'Try again please');
        await r.t.waitFor(r.pane, (s) => /All 14 tests pass\./.test(s) && kit.idle(s), 'the answer', 30_000);
      }
      return [await record(r, scenarioName, label)];
    });

  /** Ctrl-C (up to four times) at the idle composer until the agent quits, then a dead pane. */
  const quit = async (r: AgentRun<M>): Promise<void> => {
    const dead = async () => (await r.t.facts(r.pane)).dead;
    await kit.ready(r);
    for (let i = 0; i < 4 && !(await dead()); i++) {
      await r.t.keys(r.pane, 'C-c');
      await r.t.waitFor(r.pane, dead, `${name} to exit`, 2_500).catch(() => undefined);
    }
    await r.t.waitFor(r.pane, dead, 'a dead pane', 10_000);
  };

  return { scenario, record, answered, prose, apiError, quit };
}
