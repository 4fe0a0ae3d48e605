/**
 * Real opencode (`opencode-ai` 1.18.33) screens against the mock Chat Completions API:
 * idle, working, permission dialogs (bash, edits, an external directory), its question tool,
 * the provider picker and API-key field of a HOME without a provider, API errors, exit.
 *
 *   npm run record -- opencode [--only PATTERN] [--size WxH]
 *
 * `familyScenarios` is shared with the Kilo recorder (kilo.ts): Kilo is an opencode fork with
 * the same screens under its own names; rule ids are `<agent>/<name>` for either.
 */
import type { ChatTurn } from '../../test/support/mock-chat.js';
import { makeOpencodeHome, opencodeBin } from '../../test/support/opencode-home.js';
import { PROSE, RETRY_ANSWER } from './agent-run.js';
import { busy, dialogWith, flatten, idle, recordFamily, steps, turnDone, WITH_LARGE, type Family, type Run } from './opencode-like.js';
import type { RecordOptions, Scenario } from './run-others.js';

export const OPENCODE_FAMILY: Family = {
  agent: 'opencode',
  bin: opencodeBin,
  makeHome: makeOpencodeHome,
  quitKeys: ['C-c'],
};

const patchAdd = [
  '*** Begin Patch',
  '*** Add File: RELEASING.md',
  '+# Release checklist',
  '+',
  '+- bump the version',
  '+- update CHANGELOG.md',
  '+- tag the release',
  '*** End Patch',
].join('\n');

// The work dir's README.md is "# demo\n\nA small demo project.\n" (tempWorkdir).
const patchUpdate = [
  '*** Begin Patch',
  '*** Update File: README.md',
  '@@',
  ' # demo',
  ' ',
  '-A small demo project.',
  '+A small demo project with a release checklist.',
  '+',
  '+See RELEASING.md before tagging a release.',
  '*** End Patch',
].join('\n');

const question1 = {
  header: 'Approach',
  question: 'How should the flaky test be fixed?',
  options: [
    { label: 'Retry the call (Recommended)', description: 'Keep the real network call, retry it up to 3 times.' },
    { label: 'Local fixture', description: 'Replace the call with a recorded response.' },
  ],
};

const question2 = {
  header: 'Checks',
  question: 'Which checks should run before merging?',
  multiple: true,
  options: [
    { label: 'Unit tests', description: 'The fast suite.' },
    { label: 'Lint', description: 'Style and unused code.' },
  ],
};

const bash = (command: string, text?: string): ChatTurn => ({
  kind: 'tool_calls',
  ...(text ? { text } : {}),
  calls: [{ name: 'bash', arguments: { command, description: 'Run the test suite once' } }],
});

/** A prose answer that quotes every dialog of the family, for near misses. */
const QUOTES = {
  prompt: 'Describe the approval screens for the runbook',
  text: [
    'Here is what the screens look like, for your runbook:',
    '',
    '```',
    '△ Permission required',
    '  # Run the test suite once',
    '  $ npm test',
    '  Allow once   Allow always   Reject        ⇆ select  enter confirm',
    '```',
    '',
    'A question from me shows numbered options:',
    '',
    '1. Retry the call (Recommended)',
    '2. Local fixture',
    '3. Type your own answer',
    '',
    'with `↑↓ select  enter submit  esc dismiss` under them, and while I work the footer reads `esc interrupt`.',
    '',
    'None of these is on screen now.',
  ].join('\n'),
  tail: 'None of these is on screen now.',
};

/** An answer that ends in a question over a numbered list (prose, not the question tool). */
const LISTED_QUESTION = {
  prompt: 'How should I fix the flaky test?',
  text: [
    'There are two ways to fix the flaky test:',
    '',
    '1. Retry the network call up to three times.',
    '2. Replace the call with a recorded fixture.',
    '',
    'Which one should I implement?',
  ].join('\n'),
  tail: 'Which one should I implement?',
};

/** The scenarios every member of the opencode family shares; ids are `<agent>/<name>`. */
export function familyScenarios(fam: Family): Scenario[] {
  const { scenario, record, ready, ask, answered, dialog, quit } = steps(fam);
  const id = (name: string) => `${fam.agent}/${name}`;
  const nm = (...names: string[]) => names.map(id);

  const prose = (name: string, text: { prompt: string; text: string; tail: string }, label: Parameters<typeof record>[2], sizes?: string[]) =>
    scenario(name, { turns: [{ kind: 'text', text: text.text }], ...(sizes ? { sizes } : {}) }, async (r) => {
      await ready(r);
      await ask(r, text.prompt);
      await answered(r, text.tail);
      return [await record(r, name, label)];
    });

  /** Asks `prompt`, waits for the error turn's block over the idle input box. */
  const errorTurn = (name: string, turns: ChatTurn[], shown: RegExp, label: Parameters<typeof record>[2], retry = false, sizes?: string[]) =>
    scenario(name, { turns, ...(sizes ? { sizes } : {}) }, async (r) => {
      await ready(r);
      await ask(r, PROSE.done.prompt);
      await r.t.waitFor(r.pane, (s) => shown.test(flatten(s)) && idle(s), `the error ${shown}`, 45_000);
      if (retry) {
        await ask(r, 'Try again please');
        await answered(r, 'All 14 tests pass.');
      }
      return [await record(r, name, label)];
    });

  /**
   * Esc on a permission dialog rejects it. opencode ends the turn at once (it asks for a reason
   * only in subagent sessions); Kilo first asks what to do instead in a text field ("△ Reject
   * permission"), saved as `messageFixture`, and Enter with nothing typed rejects plainly.
   * Resolves at the idle input box under `marker`.
   */
  const reject = async (r: Run, marker: RegExp, messageFixture?: string): Promise<string[]> => {
    const out: string[] = [];
    await r.t.keys(r.pane, 'Escape');
    const s = await r.t.waitFor(r.pane, (s) => (idle(s) && marker.test(s)) || dialogWith(/Reject permission/)(s), 'the rejected turn or the reason field', 20_000);
    if (!idle(s)) {
      if (messageFixture) {
        out.push(await record(r, messageFixture, { state: 'question', rule: id('reject-message'), near_miss: nm('command-approval', 'edit-approval', 'question') }));
      }
      await r.t.keys(r.pane, 'Enter');
      await r.t.waitFor(r.pane, (s) => idle(s) && marker.test(s), 'the rejected turn', 20_000);
    }
    return out;
  };

  return [
    scenario('idle-fresh', {}, async (r) => {
      await ready(r);
      return [await record(r, 'idle-fresh', { state: 'idle', rule: id('idle'), near_miss: nm('working', 'picker') })];
    }),

    prose('idle-answer', PROSE.done, { state: 'idle', rule: id('idle'), near_miss: nm('working', 'idle-question', 'error-api') }, WITH_LARGE),

    prose('idle-question', PROSE.question, { state: 'question', rule: id('idle-question'), near_miss: nm('idle') }, WITH_LARGE),

    prose('idle-question-list', LISTED_QUESTION, { state: 'question', rule: id('idle-question'), near_miss: nm('question') }),

    prose('idle-near-miss', QUOTES, {
      state: 'idle',
      rule: id('idle'),
      near_miss: nm('command-approval', 'edit-approval', 'question', 'working', 'idle-question', 'error-api'),
    }),

    // Typed but not sent: the text sits in the input box instead of the placeholder.
    scenario('idle-unsent', {}, async (r) => {
      await ready(r);
      await r.t.type(r.pane, 'refactor the parser into smaller functions');
      await r.t.waitFor(r.pane, /refactor the parser into smaller/, 'typed text', 10_000);
      return [await record(r, 'idle-unsent', { state: 'idle', rule: id('idle'), near_miss: nm('working') })];
    }),

    // Tab switches the primary agent (opencode: Build -> Plan; Kilo: Code -> Plan ...).
    scenario('idle-other-agent', {}, async (r) => {
      await ready(r);
      const before = await r.t.capture(r.pane);
      const agentRow = (s: string) => s.split('\n').find((l) => /^\s*┃\s+\S.*·/.test(l))?.trim();
      await r.t.keys(r.pane, 'Tab');
      await r.t.waitFor(r.pane, (s) => agentRow(s) !== agentRow(before), 'the other agent in the input box', 10_000);
      return [await record(r, 'idle-other-agent', { state: 'idle', rule: id('idle'), near_miss: nm('working') })];
    }),

    scenario(
      'working-streaming',
      {
        sizes: WITH_LARGE,
        turns: [
          {
            kind: 'text',
            chunkDelayMs: 700,
            text:
              'The repository has a single README.md at its root. It describes a small demo project. ' +
              'There is no source code yet. There are no tests and no build configuration. The next step ' +
              'is to pick a language, then add a minimal project skeleton and a test runner. That is all there is for now.',
          },
        ],
      },
      async (r) => {
        await ready(r);
        await ask(r, 'Describe the repository');
        await r.t.waitFor(r.pane, (s) => /no source code/.test(flatten(s)) && busy(s) && !/That is all there is/.test(flatten(s)), 'streaming text', 30_000);
        return [await record(r, 'working-streaming', { state: 'working', rule: id('working'), near_miss: nm('idle', 'idle-question') }, false)];
      },
    ),

    // Esc twice stops the stream: the turn's footer says "interrupted", the input box is idle.
    scenario(
      'idle-interrupted',
      { turns: [{ kind: 'text', chunkDelayMs: 900, text: `${PROSE.done.text} ${PROSE.done.text} ${PROSE.done.text} Which flag name do you prefer?` }] },
      async (r) => {
        await ready(r);
        await ask(r, PROSE.done.prompt);
        await r.t.waitFor(r.pane, (s) => /verbose/.test(flatten(s)) && busy(s), 'streaming text', 30_000);
        await r.t.keys(r.pane, 'Escape');
        await r.t.waitFor(r.pane, /esc again to interrupt/, 'the second-Esc hint', 5_000);
        const out = [await record(r, 'working-esc-once', { state: 'working', rule: id('working'), near_miss: nm('idle') }, false)];
        await r.t.keys(r.pane, 'Escape');
        await r.t.waitFor(r.pane, (s) => /interrupted/.test(s) && idle(s), 'the interrupted turn', 15_000);
        out.push(await record(r, 'idle-interrupted', { state: 'idle', rule: id('idle'), near_miss: nm('working', 'error-api') }));
        return out;
      },
    ),

    // A bash call waits for approval; once allowed it runs (`sleep`) with a spinner in the transcript.
    scenario('command-approval', { sizes: WITH_LARGE, turns: [bash('npm test -- --runInBand', 'I will run the test suite.'), { kind: 'text', text: 'The suite ran.' }] }, async (r) => {
      await ready(r);
      await ask(r, 'Run the tests');
      await dialog(r, /npm test -- --runInBand/, 'the bash approval');
      const out = [await record(r, 'command-approval', { state: 'permission_approval', rule: id('command-approval'), near_miss: nm('edit-approval', 'question', 'reject-message') })];
      // "Allow always" asks again, for the patterns it would allow from now on.
      await r.t.keys(r.pane, 'Right');
      await r.t.settle(r.pane, 500, 3_000);
      await r.t.keys(r.pane, 'Enter');
      await dialog(r, /Confirm\s+Cancel/, 'the "always allow" confirmation');
      out.push(await record(r, 'command-approval-always', { state: 'permission_approval', rule: id('command-approval'), near_miss: nm('question', 'edit-approval', 'reject-message') }));
      return out;
    }),

    // Esc rejects a command: the turn stops under the command it did not run.
    scenario('command-reject', { turns: [bash('rm -rf build', 'I will clean the build directory.')] }, async (r) => {
      await ready(r);
      await ask(r, 'Clean the build directory');
      await dialog(r, /rm -rf build/, 'the bash approval');
      const out = await reject(r, /rm -rf build/, 'command-reject-message');
      out.push(await record(r, 'idle-after-command-reject', { state: 'idle', rule: id('idle'), near_miss: nm('error-api', 'command-approval') }));
      return out;
    }),

    // A subagent (the task tool) asks before its command; rejecting a subagent's permission asks
    // for a reason in both opencode and Kilo ("△ Reject permission", a text field).
    scenario(
      'subagent-reject',
      {
        turns: [
          { kind: 'tool_calls', text: 'I will ask a subagent to clean up.', calls: [{ name: 'task', arguments: { description: 'Clean the build directory', prompt: 'Remove the build directory.', subagent_type: 'general' } }] },
          bash('rm -rf build', 'Cleaning.'),
          { kind: 'text', text: 'The subagent did not clean up.' },
          { kind: 'text', text: 'Nothing was removed.' },
        ],
      },
      async (r) => {
        await ready(r);
        await ask(r, 'Clean up with a subagent');
        await dialog(r, /rm -rf build/, 'the subagent\'s bash approval');
        const out = [await record(r, 'subagent-approval', { state: 'permission_approval', rule: id('command-approval'), near_miss: nm('edit-approval', 'reject-message', 'question') })];
        await r.t.keys(r.pane, 'Escape');
        await dialog(r, /Reject permission/, 'the reason field');
        out.push(await record(r, 'reject-message', { state: 'question', rule: id('reject-message'), near_miss: nm('command-approval', 'edit-approval', 'question') }));
        await r.t.type(r.pane, 'Keep the build directory, it holds the release artifacts.');
        await r.t.waitFor(r.pane, /Keep the build directory/, 'the typed reason', 10_000);
        out.push(await record(r, 'reject-message-typed', { state: 'question', rule: id('reject-message'), near_miss: nm('command-approval', 'idle') }));
        await r.t.keys(r.pane, 'Enter');
        await r.t.waitFor(r.pane, (s) => idle(s) && turnDone(s), 'the end of the turn', 45_000);
        return out;
      },
    ),

    // A command's output (a "┃" block in the conversation) quotes the dialogs; the input box is below it.
    scenario(
      'idle-tool-output',
      {
        permission: { bash: 'allow', edit: 'ask' },
        turns: [
          bash(
            "printf '%s\\n' '△ Permission required' '  # Shell command' '  Allow once   Allow always   Reject   ⇆ select  enter confirm' '1. Retry the call' '2. Local fixture' '↑↓ select  enter submit  esc dismiss'",
            'Printing the saved screen.',
          ),
          { kind: 'text', text: 'That is the saved screen from yesterday.' },
        ],
      },
      async (r) => {
        await ready(r);
        await ask(r, 'Show me the saved screen');
        await answered(r, 'saved screen from yesterday.');
        return [
          await record(r, 'idle-tool-output', {
            state: 'idle',
            rule: id('idle'),
            near_miss: nm('command-approval', 'edit-approval', 'question', 'error-api', 'working'),
          }),
        ];
      },
    ),

    scenario('working-command', { turns: [bash('sleep 60', 'Running the slow test suite.'), { kind: 'text', text: 'The suite passed.' }] }, async (r) => {
      await ready(r);
      await ask(r, 'Run the slow test suite');
      await dialog(r, /sleep 60/, 'the bash approval');
      await r.t.keys(r.pane, 'Enter');
      await r.t.waitFor(r.pane, (s) => busy(s) && /sleep 60/.test(s), 'the running command', 20_000);
      await new Promise((ok) => setTimeout(ok, 2_000));
      return [await record(r, 'working-command', { state: 'working', rule: id('working'), near_miss: nm('idle', 'command-approval') }, false)];
    }),

    // Reading outside the work dir asks for the external directory; Esc rejects it and the turn ends.
    scenario(
      'external-directory',
      { turns: [{ kind: 'tool_calls', text: 'Let me read the host name.', calls: [{ name: 'read', arguments: { filePath: '/etc/hostname' } }] }] },
      async (r) => {
        await ready(r);
        await ask(r, 'What is the host name of this machine?');
        await dialog(r, /\/etc/, 'the external directory approval');
        const out = [await record(r, 'external-directory', { state: 'permission_approval', rule: id('command-approval'), near_miss: nm('edit-approval', 'reject-message') })];
        await reject(r, /Read \/etc\/hostname/);
        out.push(await record(r, 'idle-after-reject', { state: 'idle', rule: id('idle'), near_miss: nm('error-api', 'command-approval') }));
        return out;
      },
    ),

    scenario(
      'edit-approval',
      { turns: [{ kind: 'tool_calls', text: 'I will add a release checklist.', calls: [{ name: 'apply_patch', arguments: { patchText: patchAdd } }] }, { kind: 'text', text: 'Added RELEASING.md.' }] },
      async (r) => {
        await ready(r);
        await ask(r, 'Add a short release checklist');
        await dialog(r, /Edit RELEASING\.md/, 'the edit approval');
        const out = [await record(r, 'edit-approval', { state: 'permission_approval', rule: id('edit-approval'), near_miss: nm('command-approval', 'question') })];
        await r.t.keys(r.pane, 'Enter');
        await answered(r, 'Added RELEASING.md.');
        out.push(await record(r, 'idle-after-edit', { state: 'idle', rule: id('idle'), near_miss: nm('edit-approval', 'error-api') }));
        return out;
      },
    ),

    // Changing an existing file shows a diff with removed and added rows (split in two above 120 columns).
    scenario(
      'edit-approval-update',
      { sizes: WITH_LARGE, turns: [{ kind: 'tool_calls', text: 'I will mention the checklist in the README.', calls: [{ name: 'apply_patch', arguments: { patchText: patchUpdate } }] }] },
      async (r) => {
        await ready(r);
        await ask(r, 'Mention the release checklist in the README');
        await dialog(r, /Edit README\.md/, 'the edit approval');
        return [await record(r, 'edit-approval-update', { state: 'permission_approval', rule: id('edit-approval'), near_miss: nm('command-approval') })];
      },
    ),

    scenario(
      'question',
      { sizes: WITH_LARGE, turns: [{ kind: 'tool_calls', calls: [{ name: 'question', arguments: { questions: [question1] } }] }, { kind: 'text', text: 'I will retry the call up to three times.' }] },
      async (r) => {
        await ready(r);
        await ask(r, 'Plan how to fix the flaky test');
        await dialog(r, /How should the flaky test be fixed\?/, 'the question');
        const out = [await record(r, 'question', { state: 'question', rule: id('question'), near_miss: nm('command-approval', 'edit-approval') })];
        await r.t.keys(r.pane, 'Enter');
        await answered(r, 'retry the call up to three times.');
        out.push(await record(r, 'idle-after-question', { state: 'idle', rule: id('idle'), near_miss: nm('question', 'idle-question') }));
        return out;
      },
    ),

    // Two questions: tabs over the dialog, a multiple-choice page, then a review page.
    scenario(
      'question-multi',
      { turns: [{ kind: 'tool_calls', calls: [{ name: 'question', arguments: { questions: [question1, question2] } }] }, { kind: 'text', text: 'Noted.' }] },
      async (r) => {
        await ready(r);
        await ask(r, 'Plan the fix and the checks');
        await dialog(r, /How should the flaky test be fixed\?/, 'the first question');
        const out = [await record(r, 'question-multi', { state: 'question', rule: id('question'), near_miss: nm('command-approval') })];
        await r.t.keys(r.pane, 'Enter');
        await dialog(r, /Which checks should run/, 'the second question');
        await r.t.keys(r.pane, 'Enter');
        await dialog(r, /\[✓\]/, 'a ticked option');
        out.push(await record(r, 'question-multi-select', { state: 'question', rule: id('question'), near_miss: nm('command-approval') }));
        await r.t.keys(r.pane, 'Tab');
        await dialog(r, /Review/, 'the review page');
        out.push(await record(r, 'question-review', { state: 'question', rule: id('question'), near_miss: nm('command-approval', 'edit-approval') }));
        return out;
      },
    ),

    // A 429 is retried with back-off: the footer shows the error and "[retrying in Ns attempt #N]".
    scenario(
      'working-retry',
      {
        turns: Array.from({ length: 8 }, () => ({
          kind: 'error' as const,
          status: 429,
          type: 'insufficient_quota',
          message: 'You exceeded your current quota, please check your plan and billing details.',
        })),
      },
      async (r) => {
        await ready(r);
        await ask(r, PROSE.done.prompt);
        await r.t.waitFor(r.pane, (s) => /retrying in|attempt #\d/.test(s) && boxFooterOrBar(s), 'the retry status', 30_000);
        return [await record(r, 'working-retry', { state: 'working', rule: id('working'), near_miss: nm('error-api', 'idle') }, false)];
      },
    ),

    // A 401 is not retried: the error ends the turn in a block over the idle input box.
    errorTurn(
      'error-auth',
      [{ kind: 'error', status: 401, type: 'invalid_api_key', message: 'Incorrect API key provided: sk-mock. You can find your API key at https://platform.openai.com/account/api-keys.' }],
      /Incorrect API key provided/,
      { state: 'error', rule: id('error-api'), near_miss: nm('idle', 'idle-question') },
      false,
      WITH_LARGE,
    ),

    // 404 is not retried either (a model the provider does not have).
    errorTurn(
      'error-model',
      [{ kind: 'error', status: 404, type: 'model_not_found', message: 'The model `gpt-mock` does not exist or you do not have access to it.' }],
      /does not exist or you do not have access/,
      { state: 'error', rule: id('error-api'), near_miss: nm('idle') },
    ),

    // A context-length error is NOT the end: a toast shows it, the session is compacted by itself
    // ("▣  Compaction · ...") and the turn is answered. Idle, with the error still in the toast.
    scenario(
      'idle-after-compaction',
      { turns: [{ kind: 'error', status: 400, type: 'invalid_request_error', message: "This model's maximum context length is 128000 tokens. Please reduce the length of the messages." }] },
      async (r) => {
        await ready(r);
        await ask(r, PROSE.done.prompt);
        await r.t.waitFor(r.pane, (s) => /maximum context length/.test(flatten(s)) && /Compaction/.test(s) && idle(s) && turnDone(s), 'the compacted, answered turn', 45_000);
        return [await record(r, 'idle-after-compaction', { state: 'idle', rule: id('idle'), near_miss: nm('error-api') }, false)];
      },
    ),

    // The error stays in the transcript, but a later turn succeeded: idle again.
    errorTurn(
      'idle-after-error',
      [{ kind: 'error', status: 401, type: 'invalid_api_key', message: 'Incorrect API key provided: sk-mock.' }, { kind: 'text', text: RETRY_ANSWER }],
      /Incorrect API key provided/,
      { state: 'idle', rule: id('idle'), near_miss: nm('error-api') },
      true,
    ),

    // No provider configured: the hosted default model (needs the network) is preselected. Only
    // the screens are recorded; no prompt is sent (it would try to reach the hosted API).
    scenario('no-provider', { provider: false }, async (r) => {
      await ready(r);
      const out = [await record(r, 'no-provider', { state: 'idle', rule: id('idle'), near_miss: nm('picker', 'api-key-entry') })];
      await r.t.type(r.pane, '/connect');
      await r.t.waitFor(r.pane, /\/connect/, 'the typed command', 10_000);
      await r.t.settle(r.pane, 600, 3_000);
      await r.t.keys(r.pane, 'Enter');
      await r.t.waitFor(r.pane, /Connect a provider/, 'the provider picker', 15_000);
      out.push(await record(r, 'connect-provider', { state: 'question', rule: id('picker'), near_miss: nm('api-key-entry', 'idle') }));
      await r.t.type(r.pane, 'anthropic');
      await r.t.waitFor(r.pane, /Anthropic/, 'the filtered list', 10_000);
      await r.t.settle(r.pane, 600, 3_000);
      out.push(await record(r, 'connect-provider-search', { state: 'question', rule: id('picker'), near_miss: nm('api-key-entry') }));
      await r.t.keys(r.pane, 'Enter');
      await r.t.waitFor(r.pane, (s) => /API key/.test(s) && /enter submit/.test(s) && !/Connect a provider/.test(s), 'the API key field', 15_000);
      out.push(await record(r, 'api-key-entry', { state: 'question', rule: id('api-key-entry'), near_miss: nm('picker', 'idle') }));
      return out;
    }),

    // ctrl+p opens the command palette: a modal list over the session.
    scenario('command-palette', {}, async (r) => {
      await ready(r);
      await r.t.keys(r.pane, 'C-p');
      await r.t.waitFor(r.pane, (s) => /Commands/.test(s) && /Search/.test(s), 'the command palette', 15_000);
      return [await record(r, 'command-palette', { state: 'question', rule: id('picker'), near_miss: nm('api-key-entry', 'idle') })];
    }),

    // Quitting after a turn: the pane is dead and shows the session title and its resume command.
    scenario('exited', { turns: [{ kind: 'text', text: PROSE.done.text }] }, async (r) => {
      await ready(r);
      await ask(r, PROSE.done.prompt);
      await answered(r, PROSE.done.tail);
      await quit(r);
      await r.t.waitFor(r.pane, / -s ses_/, 'the resume command', 10_000);
      return [await record(r, 'exited', { state: 'exited', rule: 'generic/pane-dead', near_miss: nm('idle', 'exited') })];
    }),

    // Started from bash: after quitting, the shell's prompt is back under the resume command.
    scenario('exited-shell', { shell: true, turns: [{ kind: 'text', text: PROSE.done.text }] }, async (r) => {
      await ready(r);
      await ask(r, PROSE.done.prompt);
      await answered(r, PROSE.done.tail);
      for (const key of fam.quitKeys) {
        await r.t.keys(r.pane, key);
        await new Promise((ok) => setTimeout(ok, 300));
      }
      await r.t.waitFor(r.pane, (s) => / -s ses_/.test(s) && /[$#]$/.test(s.trimEnd()), 'the shell prompt again', 15_000);
      return [await record(r, 'exited-shell', { state: 'exited', rule: id('exited'), near_miss: nm('idle') })];
    }),
  ];
}

/** The footer row shows a turn running (the retry status replaces the hint). */
const boxFooterOrBar = (s: string) => busy(s) || /retrying in|attempt #\d/.test(s);

export const opencodeScenarios: Scenario[] = familyScenarios(OPENCODE_FAMILY);

export function recordOpencode(opts: RecordOptions = {}): Promise<{ recorded: string[]; failed: string[] }> {
  return recordFamily(opencodeScenarios, opts);
}

export type { Run };
