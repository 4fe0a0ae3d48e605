/**
 * Real Kilo CLI (`@kilocode/cli-linux-x64` 7.7.9, an opencode fork) screens against the mock
 * Chat Completions API: the opencode family's scenarios (opencode.ts) under Kilo's names, plus
 * what only Kilo does.
 *
 *   npm run record -- kilo [--only PATTERN] [--size WxH]
 */
import { kiloBin, makeKiloHome } from '../../test/support/kilo-home.js';
import { PROSE } from './agent-run.js';
import { familyScenarios } from './opencode.js';
import { idle, recordFamily, steps, type Family } from './opencode-like.js';
import type { RecordOptions, Scenario } from './run-others.js';

export const KILO_FAMILY: Family = {
  agent: 'kilo',
  bin: kiloBin,
  makeHome: makeKiloHome,
  // One Ctrl-C only arms the exit ("ctrl+c again to exit" in the footer); the second quits.
  quitKeys: ['C-c', 'C-c'],
};

const { scenario, record, ready, ask, answered } = steps(KILO_FAMILY);

export const kiloScenarios: Scenario[] = [
  ...familyScenarios(KILO_FAMILY),

  // Kilo's suggest tool (a review suggestion) leaves only a "⚙ suggest [...]" row and a turn
  // row without duration over the idle input box: no dialog.
  scenario(
    'idle-suggest',
    {
      turns: [
        {
          kind: 'tool_calls',
          text: 'I added the --verbose flag and its tests. All 14 tests pass.',
          calls: [
            {
              name: 'suggest',
              arguments: {
                suggest: 'Review the --verbose change before merging?',
                actions: [{ label: 'Review changes', description: 'Run a local code review of the diff.', prompt: 'Review the uncommitted changes for bugs.' }],
              },
            },
          ],
        },
      ],
    },
    async (r) => {
      await ready(r);
      await ask(r, PROSE.done.prompt);
      await r.t.waitFor(r.pane, (s) => /⚙ suggest/.test(s) && idle(s), 'the suggestion row', 45_000);
      return [await record(r, 'idle-suggest', { state: 'idle', rule: 'kilo/idle', near_miss: ['kilo/error-api', 'kilo/working', 'kilo/picker'] })];
    },
  ),

  // The first Ctrl-C at the idle input box: still idle, the footer asks for a second one.
  scenario('ctrl-c-once', { turns: [{ kind: 'text', text: PROSE.done.text }] }, async (r) => {
    await ready(r);
    await ask(r, PROSE.done.prompt);
    await answered(r, PROSE.done.tail);
    await r.t.keys(r.pane, 'C-c');
    await r.t.waitFor(r.pane, /ctrl\+c again to exit/, 'the exit hint', 5_000);
    return [await record(r, 'ctrl-c-once', { state: 'idle', rule: 'kilo/idle', near_miss: ['kilo/exited', 'kilo/working'] }, false)];
  }),
];

export function recordKilo(opts: RecordOptions = {}): Promise<{ recorded: string[]; failed: string[] }> {
  return recordFamily(kiloScenarios, opts);
}
