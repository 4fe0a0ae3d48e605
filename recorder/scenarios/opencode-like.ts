/**
 * Scenario steps for the opencode family (opencode itself and its fork Kilo): one real agent
 * in a pane of the private tmux server, talking to the mock Chat Completions API
 * (test/support/mock-chat.ts) from a temp HOME (test/support/opencode-home.ts) in a temp git
 * work dir, all removed afterwards.
 *
 * What the screens of both look like (observed on opencode 1.18.33 and Kilo 7.7.9): the
 * conversation (user turns and tool output as `┃`-bordered blocks, agent prose indented, each
 * agent turn closed by `▣  <Agent> · <model>[ · 12.3s]`), then the input box (`┃` rows, the last
 * one `┃  <Agent> · <model> <provider>`, closed by a `╹▀▀▀` row), then one footer row (the
 * directory at idle; a `⬝■■■` progress bar and `esc interrupt` while busy). Permission and
 * question dialogs REPLACE the input box at the bottom: no `╹▀▀▀` row while they are up.
 */
import type { ChatTurn, MockChat } from '../../test/support/mock-chat.js';
import { startMockChat } from '../../test/support/mock-chat.js';
import type { OpencodeHome, OpencodeHomeOptions } from '../../test/support/opencode-home.js';
import type { PrivateTmux } from '../lib/tmux.js';
import { runAgent, type AgentRun } from './agent-run.js';
import { runScenarios, savePane, sizeName, tempWorkdir, versionOf, type Label, type RecordOptions, type Scenario, type Size } from './run-others.js';

export type Run = AgentRun<MockChat>;

/** One member of the family, as the recorder drives it. */
export interface Family {
  agent: 'opencode' | 'kilo';
  bin(): string;
  makeHome(opts: OpencodeHomeOptions): Promise<OpencodeHome>;
  /**
   * Keys that quit from the idle input box, one group per step, checked on the real program:
   * opencode quits on one Ctrl-C, Kilo wants a second one ("ctrl+c again to exit").
   */
  quitKeys: string[];
}

export interface Setup {
  turns?: ChatTurn[];
  /** write the mock provider config (false: none, the agent's own hosted default model) */
  provider?: boolean;
  permission?: Record<string, unknown>;
  /** run an interactive bash in the pane and start the agent from it */
  shell?: boolean;
  /** only these sizes (default 120x40 and 80x24; --size overrides) */
  sizes?: string[];
}

const DEFAULT_SIZES = ['120x40', '80x24'];
/** For the scenarios that are also recorded on a large terminal. */
export const WITH_LARGE = ['120x40', '80x24', '200x50'];

const BOX_BOTTOM = /^\s*╹▀{10,}/;

/** The footer row under the input box, or undefined when no input box is on screen. */
export function boxFooter(screen: string): string | undefined {
  const lines = screen.split('\n');
  let at = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (BOX_BOTTOM.test(lines[i] ?? '')) {
      at = i;
      break;
    }
  }
  if (at < 0) return undefined;
  return lines.slice(at + 1).find((l) => l.trim() !== '') ?? '';
}

/** The footer shows the progress bar or "esc interrupt": a turn is running. */
export const busy = (s: string): boolean => /^\s*[⬝■]|esc (again to )?interrupt/.test(boxFooter(s) ?? '');

/** The input box is on screen and nothing runs. */
export const idle = (s: string): boolean => boxFooter(s) !== undefined && !busy(s);

/** The last `▣` row (the agent turn's footer) carries its duration: the turn is over. */
export const turnDone = (s: string): boolean => {
  const last = s.split('\n').filter((l) => /^\s*▣\s/.test(l)).at(-1) ?? '';
  // 850ms, 12.3s, 1m 5s, 1h 2m (what opencode prints)
  // (from about 160 columns the sidebar's text follows after a wide gap)
  return /· \d[\d.]*(ms|s|m \d+s|h \d+m)(\s{4}|\s*$)/.test(last);
};

/**
 * The screen with whitespace collapsed and the `┃` borders gone, for finding wrapped text; what
 * follows a wide gap on a row (the sidebar from about 160 columns, toasts) is left out.
 */
export const flatten = (s: string): string =>
  s
    .split('\n')
    .map((l) => l.replace(/(\S) {8,}\S.*$/, '$1'))
    .join('\n')
    .replace(/[┃\s]+/g, ' ');

/** A dialog replaced the input box and this text is in it. */
export const dialogWith = (re: RegExp) => (s: string): boolean => boxFooter(s) === undefined && re.test(s);

export function steps(fam: Family) {
  let cachedVersion = '';
  const version = () => (cachedVersion ||= versionOf([fam.bin(), '--version']));

  async function start(t: PrivateTmux, size: Size, opts: RecordOptions, setup: Setup, body: (r: Run) => Promise<string[]>): Promise<string[]> {
    if (!opts.sizes && !(setup.sizes ?? DEFAULT_SIZES).includes(sizeName(size))) return [];
    const mock = await startMockChat({ turns: setup.turns ?? [] });
    const work = await tempWorkdir({ git: true, prefix: `kb-rec-${fam.agent}-work-` });
    const home = await fam.makeHome({
      ...(setup.provider === false ? {} : { baseUrl: mock.url }),
      ...(setup.permission ? { permission: setup.permission } : {}),
    });
    const env = { ...home.env, TERM: 'xterm-256color', ...(setup.shell ? { PS1: '\\u@kb:\\W\\$ ' } : {}) };
    const argv = setup.shell ? ['bash', '--norc', '--noprofile', '-i'] : [fam.bin()];
    return runAgent(t, size, opts, { mock, work, home, env, argv }, async (r) => {
      if (setup.shell) {
        await r.t.waitFor(r.pane, /[$#]\s*$/m, 'the bash prompt', 10_000);
        await r.t.type(r.pane, fam.bin());
        await r.t.keys(r.pane, 'Enter');
      }
      return body(r);
    });
  }

  const scenario = (name: string, setup: Setup, body: (r: Run) => Promise<string[]>): Scenario => ({
    name,
    run: (t, size, opts) => start(t, size, opts, setup, body),
  });

  /** Saves the screen as `<base>-<WxH>` (after it settles, unless `settle` is false). */
  const record = async (r: Run, base: string, label: Label, settle = true): Promise<string> => {
    if (settle) await r.t.settle(r.pane, 1_000, 8_000);
    return savePane(r.t, r.pane, r.opts, `${base}-${sizeName(r.size)}`, {
      agent: fam.agent,
      program: fam.agent,
      version: version(),
      size: sizeName(r.size),
      scenario: base,
      state: label.state,
      rule: label.rule,
      near_miss: label.near_miss,
    });
  };

  /** The home screen's input box with its placeholder: the agent is up. Kilo can take 10 s and more. */
  const ready = async (r: Run): Promise<void> => {
    await r.t.waitFor(r.pane, (s) => idle(s) && /Ask anything/.test(s), `the ${fam.agent} input box`, 90_000);
    await r.t.settle(r.pane, 1_000, 8_000);
  };

  /** Types a prompt and waits until the mock has the main-loop request it starts. */
  const ask = async (r: Run, prompt: string): Promise<void> => {
    const before = r.mock.mainRequests().length;
    await r.t.submit(r.pane, prompt, () => r.mock.mainRequests().length > before);
  };

  /** Waits for the idle input box under a finished turn whose text includes `tail`. */
  const answered = async (r: Run, tail: string, timeoutMs = 45_000): Promise<void> => {
    // Only the last words, in case wrapping and the sidebar still split the rest.
    const end = tail.split(' ').slice(-3).join(' ');
    await r.t.waitFor(r.pane, (s) => flatten(s).includes(end) && idle(s) && turnDone(s), `the answer "${tail}"`, timeoutMs);
  };

  /** Waits for a permission or question dialog holding `re` at the bottom. */
  const dialog = async (r: Run, re: RegExp, what: string): Promise<void> => {
    await r.t.waitFor(r.pane, dialogWith(re), what, 45_000);
  };

  /** Ends the agent with its quit keys at the idle input box; resolves once the pane is dead. */
  const quit = async (r: Run): Promise<void> => {
    const dead = async () => (await r.t.facts(r.pane)).dead;
    for (const key of fam.quitKeys) {
      await r.t.keys(r.pane, key);
      await new Promise((ok) => setTimeout(ok, 300));
    }
    await r.t.waitFor(r.pane, dead, `${fam.agent} to exit`, 15_000);
  };

  return { version, start, scenario, record, ready, ask, answered, dialog, quit };
}

/** Runs the scenarios one at a time at 120x40, 80x24 and (for those that ask for it) 200x50. */
export function recordFamily(scenarios: Scenario[], opts: RecordOptions) {
  return runScenarios(scenarios, opts, [
    { w: 120, h: 40 },
    { w: 80, h: 24 },
    { w: 200, h: 50 },
  ]);
}
