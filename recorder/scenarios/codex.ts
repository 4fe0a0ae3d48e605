/**
 * Real Codex CLI screens against the in-repo mock Responses API (test/support/mock-openai.ts):
 * first-run menus, approvals, busy and idle REPL. One Codex at a time, each scenario in a
 * fresh temp HOME and a fresh git working directory.
 */
import type { PrivateTmux } from '../lib/tmux.js';
import { codexBin, makeCodexHome, startMockOpenAI, type OpenAITurn } from '../../test/support/mock-openai.js';
import { agentSteps, PROSE, RETRY_ANSWER, runAgent, STREAMED, type AgentRun } from './agent-run.js';
import { runScenarios, tempWorkdir, versionOf, type RecordOptions, type Scenario, type Size } from './run-others.js';

type CodexRun = AgentRun<Awaited<ReturnType<typeof startMockOpenAI>>>;

interface Setup {
  turns?: OpenAITurn[];
  /** write the mock provider config (false: no config at all, the sign-in menu) */
  provider?: boolean;
  /** trust the working directory in config.toml (false: "Trust this folder?") */
  trust?: boolean;
  extraToml?: string;
  /** the working directory is a git repository (default true) */
  git?: boolean;
}

let codexVersion = '';
const version = () => (codexVersion ||= versionOf([codexBin(), '--version']));

/** Idle composer: the footer hint is back and nothing says "esc to interrupt". */
const idleFooter = (s: string) => {
  // Only the bottom rows count: an answer may quote "esc to interrupt" itself.
  const bottom = s.split('\n').filter((l) => l.trim() !== '').slice(-5).join('\n');
  return /\? for shortcuts/.test(bottom) && !/\(\d+[smh]? • esc to interrupt\)/.test(bottom);
};

async function withCodex(t: PrivateTmux, size: Size, opts: RecordOptions, setup: Setup, body: (r: CodexRun) => Promise<string[]>) {
  const mock = await startMockOpenAI({ turns: setup.turns ?? [] });
  const work = await tempWorkdir({ git: setup.git !== false, prefix: 'kb-rec-codex-work-' });
  const home = await makeCodexHome({
    ...(setup.provider === false ? {} : { baseUrl: mock.url }),
    trustDirs: setup.trust === false ? [] : [work.dir],
    ...(setup.extraToml ? { extraToml: setup.extraToml } : {}),
  });
  return runAgent(t, size, opts, { mock, work, home, argv: [codexBin()] }, body);
}

async function ready(r: CodexRun): Promise<void> {
  // The status line with the model name comes a moment after the composer.
  await r.t.waitFor(r.pane, (s) => idleFooter(s) && /gpt-mock/.test(s), 'the Codex composer', 45_000);
  await r.t.settle(r.pane, 800);
}

/** Switches the composer to Plan mode (shift+tab) and waits for the footer to say so. */
async function planMode(r: CodexRun): Promise<void> {
  await ready(r);
  await r.t.keys(r.pane, 'BTab');
  // (At 80 columns the footer then drops "? for shortcuts" to make room.)
  await r.t.waitFor(r.pane, /Plan mode \(shift\+tab to cycle\)/, 'Plan mode', 10_000);
  await r.t.settle(r.pane, 600);
}

/** Types a prompt and waits until the mock has received the agent turn it starts. */
async function ask(r: CodexRun, prompt: string): Promise<void> {
  const before = r.mock.requests.length;
  await r.t.submit(r.pane, prompt, () => r.mock.requests.length > before);
}

const { scenario, prose, apiError, record, quit } = agentSteps<CodexRun['mock'], Setup>({
  agent: 'codex',
  version,
  settleMs: 800,
  start: withCodex,
  ready,
  ask,
  idle: idleFooter,
  flatten: (s) => s.replace(/\s+/g, ' '),
  textSetup: (text) => ({ turns: [{ kind: 'text', text }] }),
});

const patch = (file: string) =>
  [
    "apply_patch <<'PATCH'",
    '*** Begin Patch',
    `*** Add File: ${file}`,
    '+# Release checklist',
    '+',
    '+- bump the version',
    '+- update CHANGELOG.md',
    '*** End Patch',
    'PATCH',
  ].join('\n');

export const codexScenarios: Scenario[] = [
  scenario('trust-folder', { trust: false }, async (r) => {
    await r.t.waitFor(r.pane, /Trust this folder\?/, 'the trust menu', 45_000);
    return [await record(r, 'trust-folder', { state: 'permission_approval', rule: 'codex/trust-folder' })];
  }),

  scenario('sign-in', { provider: false }, async (r) => {
    await r.t.waitFor(r.pane, /Sign in with ChatGPT/, 'the sign-in menu', 45_000);
    const out = [await record(r, 'sign-in', { state: 'question', rule: 'codex/sign-in', near_miss: ['codex/api-key-entry'] })];
    // "3. Sign in another way" opens a second menu; its first entry opens the API key field.
    // (Option 1 would start a browser login: never pressed here.)
    await r.t.keys(r.pane, 'Down', 'Down');
    await r.t.waitFor(r.pane, /› 3\. Sign in another way|> 3\. Sign in another way/, 'third option selected', 5_000);
    await r.t.keys(r.pane, 'Enter');
    await r.t.waitFor(r.pane, /Use an OpenAI API key/, 'the "another way" menu', 10_000);
    out.push(
      await record(r, 'sign-in-other', { state: 'question', rule: 'codex/sign-in', near_miss: ['codex/api-key-entry'] }),
    );
    for (let i = 0; ; i++) {
      await r.t.keys(r.pane, 'Enter');
      try {
        await r.t.waitFor(r.pane, /Paste or type your API key/, 'the API key field', 4_000);
        break;
      } catch (err) {
        if (i >= 3) throw err;
      }
    }
    out.push(await record(r, 'api-key-entry', { state: 'question', rule: 'codex/api-key-entry', near_miss: ['codex/sign-in'] }));
    return out;
  }),

  scenario('idle-fresh', {}, async (r) => {
    await ready(r);
    return [await record(r, 'idle-fresh', { state: 'idle', rule: 'codex/idle' })];
  }),

  // A folder that is neither a git repository nor trusted gets no trust menu, and the
  // welcome lists slash commands ("To get started, ...") instead of the logo.
  scenario('idle-fresh-nogit', { git: false, trust: false }, async (r) => {
    await ready(r);
    return [await record(r, 'idle-fresh-nogit', { state: 'idle', rule: 'codex/idle' })];
  }),

  scenario(
    'command-approval',
    {
      turns: [
        {
          kind: 'function_call',
          name: 'exec_command',
          text: 'I need to write outside the workspace, so I will ask for approval.',
          arguments: {
            cmd: 'touch /etc/kb-demo.conf',
            sandbox_permissions: 'require_escalated',
            justification: 'Do you want to let me create /etc/kb-demo.conf for the demo service?',
          },
        },
      ],
    },
    async (r) => {
      await ready(r);
      await ask(r, 'Create the config file /etc/kb-demo.conf');
      await r.t.waitFor(r.pane, (s) => /Would you like to run the following command\?/.test(s) && /Press enter to confirm/.test(s), 'the command approval', 30_000);
      return [
        await record(r, 'command-approval', {
          state: 'permission_approval',
          rule: 'codex/command-approval',
          near_miss: ['codex/edit-approval'],
        }),
      ];
    },
  ),

  scenario(
    'edit-approval',
    {
      // A read-only sandbox makes Codex ask before applying any patch.
      extraToml: 'sandbox_mode = "read-only"',
      turns: [
        {
          kind: 'function_call',
          name: 'exec_command',
          text: 'I will add a release checklist.',
          arguments: { cmd: patch('RELEASING.md') },
        },
      ],
    },
    async (r) => {
      await ready(r);
      await ask(r, 'Add a short release checklist');
      await r.t.waitFor(r.pane, (s) => /Would you like to make the following edits\?/.test(s) && /Press enter to confirm/.test(s), 'the edit approval', 30_000);
      return [
        await record(r, 'edit-approval', {
          state: 'permission_approval',
          rule: 'codex/edit-approval',
          near_miss: ['codex/command-approval'],
        }),
      ];
    },
  ),

  scenario('working', { turns: [{ kind: 'text', text: 'Still thinking.', startDelayMs: 120_000 }] }, async (r) => {
    await ready(r);
    await ask(r, 'Summarise the repository layout');
    await r.t.waitFor(r.pane, /esc to interrupt/, 'the working status', 20_000);
    await new Promise((ok) => setTimeout(ok, 2_500)); // let the timer tick past 0s, as users see it
    return [await record(r, 'working', { state: 'working', rule: 'codex/working', near_miss: ['codex/idle'] }, false)];
  }),

  scenario(
    'working-streaming',
    {
      turns: [
        {
          kind: 'text',
          chunkDelayMs: 700,
          // Codex shows streamed text a whole line at a time: several short lines.
          text: STREAMED.lines,
        },
      ],
    },
    async (r) => {
      await ready(r);
      await ask(r, 'Describe the repository');
      // Observed in 0.169: while text streams there is NO "Working (... esc to interrupt)" row;
      // only the unfinished answer and the missing "Worked for Ns" separator tell it apart.
      await r.t.waitFor(
        r.pane,
        (s) => /no source code/.test(s) && !/Worked for/.test(s) && !/That is all there is/.test(s),
        'streaming text',
        20_000,
      );
      return [
        await record(r, 'working-streaming', { state: 'working', rule: 'codex/working', near_miss: ['codex/idle'] }, false),
      ];
    },
  ),

  scenario(
    'working-command',
    {
      turns: [
        {
          kind: 'function_call',
          name: 'exec_command',
          text: 'Running the slow test suite.',
          arguments: { cmd: 'sleep 60', yield_time_ms: 30_000 },
        },
      ],
    },
    async (r) => {
      await ready(r);
      await ask(r, 'Run the slow test suite');
      await r.t.waitFor(r.pane, (s) => /background terminal running/.test(s) && /esc to interrupt/.test(s), 'the running command', 20_000);
      await new Promise((ok) => setTimeout(ok, 2_000));
      return [
        await record(r, 'working-command', { state: 'working', rule: 'codex/working', near_miss: ['codex/idle'] }, false),
      ];
    },
  ),

  prose('idle-answer', PROSE.done, { state: 'idle', rule: 'codex/idle', near_miss: ['codex/working'] }),

  prose('idle-question', PROSE.question, { state: 'question', rule: 'codex/idle-question' }),

  prose(
    'idle-near-miss',
    {
      prompt: 'Why did you not ask before running the tests?',
      text:
        'Codex asks "Would you like to run the following command?" only when a command needs to leave the sandbox. ' +
        'Your test script stays inside the workspace, so it ran without an approval and all checks passed.',
      tail: 'all checks passed.',
    },
    {
      state: 'idle',
      rule: 'codex/idle',
      near_miss: ['codex/command-approval', 'codex/idle-question'],
    },
  ),

  prose(
    'idle-near-miss-menus',
    {
      prompt: 'Describe the Codex screens for the runbook',
      text: [
        'Here is what each Codex screen says, for your runbook:',
        '',
        '- A new folder asks "Trust this folder?" with "1. Trust and continue".',
        '- A fresh install offers "1. Sign in with ChatGPT" and "Paste or type your API key".',
        '- While busy the status reads "Working (5s • esc to interrupt)".',
        '',
        'None of these is on screen now.',
      ].join('\n'),
      tail: 'None of these is on screen now.',
    },
    {
      state: 'idle',
      rule: 'codex/idle',
      near_miss: ['codex/trust-folder', 'codex/sign-in', 'codex/api-key-entry', 'codex/working', 'codex/idle-question'],
    },
  ),

  // Typed but not sent: the text sits in the composer instead of the placeholder.
  scenario('idle-unsent', {}, async (r) => {
    await ready(r);
    await r.t.type(r.pane, 'refactor the parser into smaller functions');
    await r.t.waitFor(r.pane, /› refactor the parser into smaller/, 'typed text', 10_000);
    return [await record(r, 'idle-unsent', { state: 'idle', rule: 'codex/idle', near_miss: ['codex/working'] })];
  }),

  // Plan mode (shift+tab at the composer): an idle footer variant, the request_user_input
  // picker (only offered in Plan mode) and the "Implement this plan?" menu.
  scenario('plan-mode-idle', {}, async (r) => {
    await planMode(r);
    return [await record(r, 'plan-mode-idle', { state: 'idle', rule: 'codex/idle', near_miss: ['codex/plan-approval'] })];
  }),

  scenario(
    'ask-user',
    {
      turns: [
        {
          kind: 'function_call',
          name: 'request_user_input',
          arguments: {
            questions: [
              {
                id: 'fix_approach',
                header: 'Approach',
                question: 'How should the flaky test be fixed?',
                options: [
                  { label: 'Retry the call (Recommended)', description: 'Keep the real network call, retry it up to 3 times.' },
                  { label: 'Local fixture', description: 'Replace the call with a recorded response.' },
                ],
              },
            ],
          },
        },
      ],
    },
    async (r) => {
      await planMode(r);
      await ask(r, 'Plan how to fix the flaky test');
      await r.t.waitFor(r.pane, (s) => /How should the flaky test be fixed\?/.test(s) && /enter to submit answer/.test(s), 'the question picker', 30_000);
      return [
        await record(r, 'ask-user', {
          state: 'question',
          rule: 'codex/ask-user',
          near_miss: ['codex/working', 'codex/command-approval', 'codex/plan-approval'],
        }),
      ];
    },
  ),

  scenario(
    'plan-approval',
    {
      turns: [
        {
          kind: 'text',
          text: [
            'Here is the plan.',
            '',
            '<proposed_plan>',
            '# Fix the flaky test',
            '',
            '1. Record the network response as a fixture.',
            '2. Load the fixture in the test.',
            '3. Run the suite three times to confirm.',
            '</proposed_plan>',
          ].join('\n'),
        },
      ],
    },
    async (r) => {
      await planMode(r);
      await ask(r, 'Plan how to fix the flaky test');
      await r.t.waitFor(r.pane, (s) => /Implement this plan\?/.test(s) && /enter select/.test(s), 'the plan menu', 30_000);
      return [
        await record(r, 'plan-approval', {
          state: 'permission_approval',
          rule: 'codex/plan-approval',
          near_miss: ['codex/command-approval', 'codex/ask-user'],
        }),
      ];
    },
  ),

  // API errors end the turn with a "■ ..." line over the idle composer: Codex will not recover alone.
  apiError(
    'error-auth',
    {
      turns: [
        {
          kind: 'error',
          status: 401,
          type: 'invalid_api_key',
          message: 'Incorrect API key provided: sk-mock. You can find your API key at https://platform.openai.com/account/api-keys.',
        },
      ],
    },
    { pattern: /■ .*401/, what: 'the 401 error' },
    { state: 'error', rule: 'codex/error-api', near_miss: ['codex/idle'] },
  ),

  apiError(
    'error-quota',
    {
      turns: [
        {
          kind: 'error',
          status: 429,
          type: 'insufficient_quota',
          message: 'You exceeded your current quota, please check your plan and billing details.',
        },
      ],
    },
    { pattern: /■ Quota exceeded/, what: 'the quota error' },
    { state: 'error', rule: 'codex/error-api', near_miss: ['codex/idle'] },
  ),

  // The error stays in the scrollback, but a later turn succeeded: idle again.
  apiError(
    'idle-after-error',
    {
      turns: [
        { kind: 'error', status: 429, type: 'insufficient_quota', message: 'You exceeded your current quota.' },
        { kind: 'text', text: RETRY_ANSWER },
      ],
    },
    { pattern: /■ Quota exceeded/, what: 'the quota error' },
    { state: 'idle', rule: 'codex/idle', near_miss: ['codex/error-api'] },
    { retry: true },
  ),

  // Ctrl-C twice at the idle composer quits; the pane (remain-on-exit) shows what Codex printed.
  scenario('exited', {}, async (r) => {
    await quit(r);
    return [await record(r, 'exited', { state: 'exited', rule: 'generic/pane-dead', near_miss: ['codex/idle'] })];
  }),
];

export async function recordCodex(opts: RecordOptions = {}): Promise<{ recorded: string[]; failed: string[] }> {
  return runScenarios(codexScenarios, opts, [
    { w: 120, h: 40 },
    { w: 80, h: 24 },
  ]);
}
