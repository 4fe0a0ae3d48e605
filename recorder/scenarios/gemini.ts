/**
 * Real Gemini CLI screens against the in-repo mock Gemini API (test/support/mock-gemini.ts):
 * first-run menus, tool approvals, busy and idle REPL. One Gemini CLI at a time, each
 * scenario in a fresh temp HOME and a fresh git working directory.
 */
import type { PrivateTmux } from '../lib/tmux.js';
import { geminiBin, makeGeminiHome, startMockGemini, type GeminiTurn } from '../../test/support/mock-gemini.js';
import { agentSteps, PROSE, RETRY_ANSWER, runAgent, STREAMED, type AgentRun } from './agent-run.js';
import { runScenarios, tempWorkdir, versionOf, type RecordOptions, type Scenario, type Size } from './run-others.js';

type GeminiRun = AgentRun<Awaited<ReturnType<typeof startMockGemini>>>;

interface Setup {
  turns?: GeminiTurn[];
  /** select API-key auth (false: the auth menu) */
  auth?: boolean;
  /** trust the working directory (false: the trust menu) */
  trust?: boolean;
  settings?: Record<string, unknown>;
  /** extra command-line arguments, e.g. --yolo */
  args?: string[];
}

let geminiVersion = '';
const version = () => (geminiVersion ||= versionOf([geminiBin(), '--version']));

/** The composer is up and nothing is running (no "esc to cancel"). */
const idleComposer = (s: string) => {
  // Only the rows around the composer count: an answer may quote "esc to cancel" itself.
  const bottom = s.split('\n').filter((l) => l.trim() !== '').slice(-9).join('\n');
  return /Type your message/.test(bottom) && !/Thinking\.\.\. \(esc to cancel|esc to cancel, \d+s\)/.test(bottom);
};

async function withGemini(t: PrivateTmux, size: Size, opts: RecordOptions, setup: Setup, body: (r: GeminiRun) => Promise<string[]>) {
  const mock = await startMockGemini({ turns: setup.turns ?? [] });
  const work = await tempWorkdir({ git: true, prefix: 'kb-rec-gemini-work-' });
  const home = await makeGeminiHome({
    apiKey: setup.auth !== false,
    trustDirs: setup.trust === false ? [] : [work.dir],
    ...(setup.settings ? { settings: setup.settings } : {}),
  });
  const env = { ...home.env, GOOGLE_GEMINI_BASE_URL: mock.url };
  return runAgent(t, size, opts, { mock, work, home, env, argv: [geminiBin(), ...(setup.args ?? [])] }, body);
}

async function ready(r: GeminiRun): Promise<void> {
  await r.t.waitFor(r.pane, idleComposer, 'the Gemini composer', 60_000);
  await r.t.settle(r.pane, 1_000);
}

/** Types a prompt and waits until the mock has received the streamed agent turn. */
async function ask(r: GeminiRun, prompt: string): Promise<void> {
  const streamed = () => r.mock.requests.filter((q) => String((q as { path: string }).path).includes(':streamGenerateContent')).length;
  const before = streamed();
  await r.t.submit(r.pane, prompt, () => streamed() > before);
}

const { scenario, prose, apiError, record, quit } = agentSteps<GeminiRun['mock'], Setup>({
  agent: 'gemini',
  version,
  settleMs: 1_000,
  start: withGemini,
  ready,
  ask,
  idle: idleComposer,
  flatten: (s) => s.replace(/[\s│]+/g, ' '),
  textSetup: (text) => ({ turns: [{ kind: 'text', text }] }),
});

export const geminiScenarios: Scenario[] = [
  scenario('trust-folder', { trust: false }, async (r) => {
    await r.t.waitFor(r.pane, /Do you trust the files in this folder\?/, 'the trust menu', 60_000);
    return [
      await record(r, 'trust-folder', { state: 'permission_approval', rule: 'gemini/trust-folder', near_miss: ['gemini/auth-menu'] }),
    ];
  }),

  scenario('auth-menu', { auth: false }, async (r) => {
    await r.t.waitFor(r.pane, /How would you like to authenticate/, 'the auth menu', 60_000);
    return [await record(r, 'auth-menu', { state: 'question', rule: 'gemini/auth-menu', near_miss: ['gemini/trust-folder'] })];
  }),

  scenario('idle-fresh', {}, async (r) => {
    await ready(r);
    return [await record(r, 'idle-fresh', { state: 'idle', rule: 'gemini/idle' })];
  }),

  scenario(
    'shell-approval',
    {
      turns: [
        {
          kind: 'function_call',
          name: 'run_shell_command',
          text: 'I will run the test suite.',
          args: { command: 'npm test -- --runInBand', description: 'Run the test suite once, serially.' },
        },
      ],
    },
    async (r) => {
      await ready(r);
      await ask(r, 'Run the tests');
      await r.t.waitFor(r.pane, /Allow execution of/, 'the shell approval', 30_000);
      return [
        await record(r, 'shell-approval', {
          state: 'permission_approval',
          rule: 'gemini/shell-approval',
          near_miss: ['gemini/edit-approval', 'gemini/ask-user'],
        }),
      ];
    },
  ),

  scenario(
    'edit-approval',
    {
      turns: [
        {
          kind: 'function_call',
          name: 'write_file',
          text: 'I will add a release checklist.',
          args: { file_path: 'RELEASING.md', content: '# Release checklist\n\n- bump the version\n- update CHANGELOG.md\n' },
        },
      ],
    },
    async (r) => {
      await ready(r);
      await ask(r, 'Add a short release checklist');
      await r.t.waitFor(r.pane, /Apply this change\?/, 'the edit approval', 30_000);
      return [
        await record(r, 'edit-approval', {
          state: 'permission_approval',
          rule: 'gemini/edit-approval',
          near_miss: ['gemini/shell-approval', 'gemini/ask-user'],
        }),
      ];
    },
  ),

  scenario(
    'ask-user',
    {
      turns: [
        {
          kind: 'function_call',
          name: 'ask_user',
          args: {
            questions: [
              {
                header: 'Approach',
                type: 'choice',
                question: 'How should the flaky test be fixed?',
                options: [
                  { label: 'Retry the call', description: 'Keep the real network call, retry it up to 3 times' },
                  { label: 'Local fixture', description: 'Replace the call with a recorded response' },
                ],
              },
            ],
          },
        },
      ],
    },
    async (r) => {
      await ready(r);
      await ask(r, 'Fix the flaky test');
      await r.t.waitFor(r.pane, /How should the flaky test be fixed\?/, 'the ask_user picker', 30_000);
      return [
        await record(r, 'ask-user', {
          state: 'question',
          rule: 'gemini/ask-user',
          near_miss: ['gemini/shell-approval', 'gemini/edit-approval'],
        }),
      ];
    },
  ),

  scenario('working', { turns: [{ kind: 'text', text: 'Still thinking.', startDelayMs: 120_000 }] }, async (r) => {
    await ready(r);
    await ask(r, 'Summarise the repository layout');
    await r.t.waitFor(r.pane, /esc to cancel/, 'the working status', 20_000);
    await new Promise((ok) => setTimeout(ok, 2_500));
    return [await record(r, 'working', { state: 'working', rule: 'gemini/working', near_miss: ['gemini/idle'] }, false)];
  }),

  scenario(
    'working-streaming',
    {
      turns: [
        {
          kind: 'text',
          chunkDelayMs: 600,
          text: STREAMED.bullets('That is all there is for now.'),
        },
      ],
    },
    async (r) => {
      await ready(r);
      await ask(r, 'Describe the repository');
      await r.t.waitFor(r.pane, (s) => /no source code/.test(s) && !/That is all there is/.test(s), 'streaming text', 20_000);
      return [
        await record(r, 'working-streaming', { state: 'working', rule: 'gemini/working', near_miss: ['gemini/idle'] }, false),
      ];
    },
  ),

  prose('idle-answer', PROSE.done, { state: 'idle', rule: 'gemini/idle' }),

  prose('idle-question', PROSE.question, { state: 'question', rule: 'gemini/idle-question' }),

  prose(
    'idle-near-miss',
    {
      prompt: 'Why was there no approval prompt',
      text:
        'Gemini CLI asks "Apply this change?" or "Allow execution of [Shell]?" only for tools that need approval. ' +
        'The README update was applied in auto-edit mode, so no approval was needed and the build is green.',
      tail: 'the build is green.',
    },
    {
      state: 'idle',
      rule: 'gemini/idle',
      near_miss: ['gemini/edit-approval', 'gemini/shell-approval', 'gemini/idle-question'],
    },
  ),

  prose(
    'idle-near-miss-menus',
    {
      prompt: 'Describe the Gemini screens for the runbook',
      text: [
        'Here is what each Gemini CLI screen says, for your runbook:',
        '',
        '* A new folder asks "Do you trust the files in this folder?" with "1. Trust folder".',
        '* Without settings it asks "How would you like to authenticate for this project?".',
        '* While busy it shows "Thinking... (esc to cancel, 5s)".',
        '* Questions end with "Enter to select · ↑/↓ to navigate · Esc to cancel".',
        '',
        'None of these is on screen now.',
      ].join('\n'),
      tail: 'None of these is on screen now.',
    },
    {
      state: 'idle',
      rule: 'gemini/idle',
      near_miss: ['gemini/trust-folder', 'gemini/auth-menu', 'gemini/working', 'gemini/ask-user', 'gemini/idle-question'],
    },
  ),

  // Typed but not sent: the text sits in the composer, nothing runs.
  scenario('idle-unsent', {}, async (r) => {
    await ready(r);
    await r.t.type(r.pane, 'refactor the parser into smaller functions');
    await r.t.waitFor(r.pane, /refactor the parser into smaller/, 'typed text', 10_000);
    return [await record(r, 'idle-unsent', { state: 'idle', rule: 'gemini/idle', near_miss: ['gemini/working'] })];
  }),

  // --yolo: tools run without asking; the footer says so. A shell command runs under "Thinking...".
  scenario('idle-yolo', { args: ['--yolo'] }, async (r) => {
    await ready(r);
    return [await record(r, 'idle-yolo', { state: 'idle', rule: 'gemini/idle' })];
  }),

  scenario(
    'working-shell',
    {
      args: ['--yolo'],
      turns: [
        {
          kind: 'function_call',
          name: 'run_shell_command',
          text: 'Running the slow suite.',
          args: { command: 'sleep 60', description: 'Wait for the slow suite.' },
        },
      ],
    },
    async (r) => {
      await ready(r);
      await ask(r, 'Run the slow suite');
      await r.t.waitFor(r.pane, (s) => /Shell sleep 60/.test(s) && /esc to cancel/.test(s), 'the running shell command', 30_000);
      await new Promise((ok) => setTimeout(ok, 2_000));
      return [
        await record(r, 'working-shell', { state: 'working', rule: 'gemini/working', near_miss: ['gemini/idle', 'gemini/shell-approval'] }, false),
      ];
    },
  ),

  // A non-retryable API error ends the turn with "✕ [API Error: ...]" above the idle composer.
  apiError(
    'error-auth',
    {
      turns: [{ kind: 'error', status: 400, type: 'INVALID_ARGUMENT', message: 'API key not valid. Please pass a valid API key.' }],
    },
    { pattern: /✕ \[API Error/, what: 'the API error' },
    { state: 'error', rule: 'gemini/error-api', near_miss: ['gemini/idle'] },
  ),

  apiError(
    'idle-after-error',
    {
      turns: [
        { kind: 'error', status: 400, type: 'INVALID_ARGUMENT', message: 'API key not valid. Please pass a valid API key.' },
        { kind: 'text', text: RETRY_ANSWER },
      ],
    },
    { pattern: /✕ \[API Error/, what: 'the API error' },
    { state: 'idle', rule: 'gemini/idle', near_miss: ['gemini/error-api'] },
    { retry: true },
  ),

  // Ctrl-C twice at the idle composer quits; the pane (remain-on-exit) shows what Gemini printed.
  scenario('exited', {}, async (r) => {
    await quit(r);
    return [await record(r, 'exited', { state: 'exited', rule: 'generic/pane-dead', near_miss: ['gemini/idle'] })];
  }),
];

export async function recordGemini(opts: RecordOptions = {}): Promise<{ recorded: string[]; failed: string[] }> {
  return runScenarios(geminiScenarios, opts, [
    { w: 120, h: 40 },
    { w: 80, h: 24 },
  ]);
}
