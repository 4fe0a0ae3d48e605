/**
 * Real Qwen Code screens (0.24.4, a Gemini CLI fork) against the in-repo mock Chat Completions
 * API (test/support/mock-chat.ts): first-run menus, tool approvals, its question picker and
 * plan approval, busy and idle REPL, API errors and exit. One Qwen Code at a time, each
 * scenario in a fresh temp HOME (test/support/qwen-home.ts) and a fresh git working directory.
 *
 *   npm run record -- qwen [--only PATTERN] [--size WxH]
 */
import type { PrivateTmux } from '../lib/tmux.js';
import { startMockChat, type ChatTurn } from '../../test/support/mock-chat.js';
import { isQwenMainTurn, isQwenSuggestion, makeQwenHome, qwenBin } from '../../test/support/qwen-home.js';
import { agentSteps, PROSE, RETRY_ANSWER, runAgent, STREAMED, type AgentKit, type AgentRun } from './agent-run.js';
import { runScenarios, sleep, tempWorkdir, versionOf, type RecordOptions, type Scenario, type Size } from './run-others.js';

type QwenMock = Awaited<ReturnType<typeof startMockChat>>;
type QwenRun = AgentRun<QwenMock>;

interface Setup {
  /** main-loop answers in order; `work` is the working directory (file tools want absolute paths) */
  turns?: (work: string) => ChatTurn[];
  /** select the OpenAI auth and point OPENAI_* at the mock (false: "Connect a Provider") */
  auth?: boolean;
  /** turn folder trust on without trusting the workdir ("Do you trust this folder?") */
  untrusted?: boolean;
  /** approval mode (default "default": 0.24.4 otherwise starts in "auto", an LLM classifier) */
  mode?: 'default' | 'plan' | 'auto-edit' | 'yolo';
  /** what the prompt suggestion after a turn answers (default: nothing, so no ghost text) */
  suggestion?: string;
}

let qwenVersion = '';
const version = () => (qwenVersion ||= versionOf([qwenBin(), '--version']));

const RULE = /^─{20,}$/;

/** The non-blank rows from the composer's top rule down (undefined: no composer on screen). */
function composerRows(s: string): string[] | undefined {
  const lines = s.split('\n').filter((l) => l.trim() !== '');
  for (let i = lines.length - 1; i > 0; i--) {
    if (RULE.test(lines[i] ?? '') && /^[>!*] /.test(lines[i - 1] ?? '') && RULE.test(lines[i - 2] ?? '')) return lines.slice(i - 2);
  }
  return undefined;
}

/** The composer is up and nothing runs: no "esc to cancel" status right above it, no steer hint under it. */
const idleComposer = (s: string): boolean => {
  const lines = s.split('\n').filter((l) => l.trim() !== '');
  const rows = composerRows(s);
  if (!rows) return false;
  const above = lines.slice(Math.max(0, lines.length - rows.length - 2), lines.length - rows.length).join('\n');
  return !/esc to cancel\)/.test(above) && !/Enter to steer/.test(rows.join('\n')) && /shift \+ tab to cycle/.test(rows.join('\n'));
};

/** Busy: the status line with "esc to cancel" sits right above the composer. */
const busy = (s: string): boolean => {
  const lines = s.split('\n').filter((l) => l.trim() !== '');
  const rows = composerRows(s);
  if (!rows) return false;
  return /esc to cancel\)/.test(lines.slice(Math.max(0, lines.length - rows.length - 2), lines.length - rows.length).join('\n'));
};

/** A dialog replaced the composer: "Waiting for user confirmation..." is the status line. */
const dialog = (s: string): boolean => !composerRows(s) && /Waiting for user confirmation/.test(s);

async function withQwen(t: PrivateTmux, size: Size, opts: RecordOptions, setup: Setup, body: (r: QwenRun) => Promise<string[]>) {
  const mock = await startMockChat({
    isMain: isQwenMainTurn,
    onRequest: (b) => (isQwenSuggestion(b) ? { kind: 'text', text: setup.suggestion ?? '' } : undefined),
  });
  const dir = await tempWorkdir({ git: true, prefix: 'kb-rec-qwen-work-' });
  mock.push(...(setup.turns?.(dir.dir) ?? []));
  const home = await makeQwenHome({
    ...(setup.auth === false ? { auth: false } : { baseUrl: mock.url }),
    ...(setup.untrusted ? { folderTrust: true } : {}),
  });
  const argv = [qwenBin(), '--approval-mode', setup.mode ?? 'default'];
  return runAgent(t, size, opts, { mock, work: dir, home, argv }, body);
}

async function ready(r: QwenRun): Promise<void> {
  // The footer's status row (folder, branch, model) comes with the composer.
  await r.t.waitFor(r.pane, (s) => idleComposer(s) && /gpt-mock/.test(s), 'the Qwen Code composer', 60_000);
  await r.t.settle(r.pane, 1_000);
}

/** Types a prompt and waits until the mock has the main-loop request it starts. */
async function ask(r: QwenRun, prompt: string): Promise<void> {
  const before = r.mock.mainRequests().length;
  await r.t.submit(r.pane, prompt, () => r.mock.mainRequests().length > before);
}

// agent-run.ts types AgentKit.agent as 'codex' | 'gemini'; the steps only use it as the
// fixture's agent and program name, so 'qwen' goes through a cast until that type is widened.
const kit = {
  agent: 'qwen',
  version,
  settleMs: 1_000,
  start: withQwen,
  ready,
  ask,
  idle: idleComposer,
  // Answers wrap with a 4-5 space indent; the status line and footer are not part of them.
  flatten: (s: string) => s.replace(/\s+/g, ' '),
  textSetup: (text: string): Setup => ({ turns: () => [{ kind: 'text', text }] }),
} as const;
const { scenario, prose, apiError, record, answered } = agentSteps<QwenMock, Setup>(kit as unknown as AgentKit<QwenMock, Setup>);

const shell = (command: string, description: string, text?: string): ChatTurn => ({
  kind: 'tool_calls',
  ...(text ? { text } : {}),
  calls: [{ name: 'run_shell_command', arguments: { command, description } }],
});

const LONG_SCRIPT = [
  'set -euo pipefail',
  'for pkg in core cli web worker docs; do',
  '  echo "== $pkg"',
  '  (cd packages/$pkg && npm ci --no-audit --no-fund && npm run build && npm test -- --runInBand)',
  'done',
  'npm run lint',
  'npm run typecheck',
  'git status --short',
].join('\n');

const SLOW = 'for i in $(seq 1 60); do sleep 1; done; echo suite finished';

const RATE_LIMIT: ChatTurn = { kind: 'error', status: 429, type: 'rate_limit_exceeded', message: 'Rate limit reached for gpt-mock. Please try again in 20s.' };
const BAD_KEY: ChatTurn = {
  kind: 'error',
  status: 401,
  type: 'invalid_api_key',
  message: 'Incorrect API key provided: sk-mock-qwen. You can find your API key at https://platform.openai.com/account/api-keys.',
};

export const qwenScenarios: Scenario[] = [
  // security.folderTrust.enabled and a folder not in trustedFolders.json.
  scenario('trust-folder', { untrusted: true }, async (r) => {
    await r.t.waitFor(r.pane, /Do you trust this folder\?/, 'the trust menu', 60_000);
    return [
      await record(r, 'trust-folder', {
        state: 'permission_approval',
        rule: 'qwen/trust-folder',
        near_miss: ['qwen/auth-menu', 'qwen/shell-approval'],
      }),
    ];
  }),

  // No auth selected and no OPENAI_* variables: "Connect a Provider", then the custom
  // provider's steps (a protocol menu, then a text field for the base URL).
  scenario('auth-menu', { auth: false }, async (r) => {
    await r.t.waitFor(r.pane, /Connect a Provider/, 'the provider menu', 60_000);
    const out = [await record(r, 'auth-menu', { state: 'question', rule: 'qwen/auth-menu', near_miss: ['qwen/trust-folder', 'qwen/auth-field'] })];
    await r.t.keys(r.pane, 'Down');
    await r.t.waitFor(r.pane, /› Third-party Providers/, 'second option selected', 10_000);
    await r.t.keys(r.pane, 'Down');
    await r.t.waitFor(r.pane, /› Custom Provider/, 'third option selected', 10_000);
    await r.t.keys(r.pane, 'Enter');
    await r.t.waitFor(r.pane, /Step 1\/\d+/, 'the protocol step', 10_000);
    out.push(await record(r, 'auth-custom-protocol', { state: 'question', rule: 'qwen/auth-menu', near_miss: ['qwen/auth-field'] }));
    await r.t.keys(r.pane, 'Enter');
    await r.t.waitFor(r.pane, /Step 2\/\d+/, 'the API step', 10_000);
    await r.t.keys(r.pane, 'Enter');
    await r.t.waitFor(r.pane, /Step 3\/\d+/, 'the base URL step', 10_000);
    out.push(await record(r, 'auth-base-url', { state: 'question', rule: 'qwen/auth-field', near_miss: ['qwen/auth-menu', 'qwen/idle'] }));
    return out;
  }),

  scenario('idle-fresh', {}, async (r) => {
    await ready(r);
    return [await record(r, 'idle-fresh', { state: 'idle', rule: 'qwen/idle', near_miss: ['qwen/working'] })];
  }),

  prose('idle-answer', PROSE.done, { state: 'idle', rule: 'qwen/idle', near_miss: ['qwen/working', 'qwen/idle-question'] }),

  prose('idle-question', PROSE.question, { state: 'question', rule: 'qwen/idle-question', near_miss: ['qwen/idle'] }),

  // An answer that quotes the dialogs' own words: the composer under it says idle.
  prose(
    'idle-near-miss',
    {
      prompt: 'Describe the Qwen Code screens for the runbook',
      text: [
        'Here is what each Qwen Code screen says, for your runbook:',
        '',
        "* A shell command asks \"Allow execution of: 'npm'?\" over \"› 1. Yes, allow once\" and \"4. No, suggest changes (esc)\".",
        '* A file write asks "Apply this change?" with "2. Yes, allow always".',
        '* A new folder asks "Do you trust this folder?" with "1. Trust folder".',
        '* Questions end with "↑/↓: Navigate | Enter: Select | Esc: Cancel".',
        '* While busy it shows "(5s · esc to cancel)" and "Waiting for user confirmation...".',
        '* A failed call shows "✕ [API Error: 401 ...]".',
        '',
        'None of these is on screen now.',
      ].join('\n'),
      tail: 'None of these is on screen now.',
    },
    {
      state: 'idle',
      rule: 'qwen/idle',
      near_miss: ['qwen/shell-approval', 'qwen/edit-approval', 'qwen/trust-folder', 'qwen/ask-user', 'qwen/working', 'qwen/error-api', 'qwen/idle-question'],
    },
  ),

  // Typed but not sent: the text sits in the composer, nothing runs.
  scenario('idle-unsent', {}, async (r) => {
    await ready(r);
    await r.t.type(r.pane, 'refactor the parser into smaller functions');
    await r.t.waitFor(r.pane, /refactor the parser into smaller/, 'typed text', 10_000);
    return [await record(r, 'idle-unsent', { state: 'idle', rule: 'qwen/idle', near_miss: ['qwen/working'] })];
  }),

  // After a turn that used a tool, Qwen Code asks the model what the user might type next and
  // shows it as grey ghost text in the composer.
  scenario(
    'idle-suggestion',
    {
      suggestion: 'add a changelog entry',
      // (0.24.4 asks for a suggestion only after a turn that used a tool.)
      turns: (work) => [
        { kind: 'tool_calls', calls: [{ name: 'read_file', arguments: { file_path: `${work}/README.md` } }] },
        { kind: 'text', text: PROSE.done.text },
      ],
    },
    async (r) => {
      await ready(r);
      await ask(r, PROSE.done.prompt);
      await r.t.waitFor(r.pane, (s) => /> add a changelog entry/.test(s) && idleComposer(s), 'the suggestion', 30_000);
      return [await record(r, 'idle-suggestion', { state: 'idle', rule: 'qwen/idle', near_miss: ['qwen/working', 'qwen/idle-question'] })];
    },
  ),

  scenario('idle-plan-mode', { mode: 'plan' }, async (r) => {
    await ready(r);
    return [await record(r, 'idle-plan-mode', { state: 'idle', rule: 'qwen/idle', near_miss: ['qwen/plan-approval'] })];
  }),

  scenario('idle-yolo', { mode: 'yolo' }, async (r) => {
    await ready(r);
    return [await record(r, 'idle-yolo', { state: 'idle', rule: 'qwen/idle' })];
  }),

  // One Ctrl-C at the idle composer only warns ("Press Ctrl+C again to exit.").
  scenario('idle-ctrl-c-once', {}, async (r) => {
    await ready(r);
    await r.t.keys(r.pane, 'C-c');
    await r.t.waitFor(r.pane, /Press Ctrl\+C again to exit/, 'the exit warning', 5_000);
    return [await record(r, 'idle-ctrl-c-once', { state: 'idle', rule: 'qwen/idle', near_miss: ['generic/pane-dead'] }, false)];
  }),

  scenario('working', { turns: () => [{ kind: 'text', text: 'Still thinking.', startDelayMs: 120_000 }] }, async (r) => {
    await ready(r);
    await ask(r, 'Summarise the repository layout');
    await r.t.waitFor(r.pane, busy, 'the working status', 20_000);
    await sleep(2_500);
    await r.t.waitFor(r.pane, busy, 'the working status', 5_000);
    return [await record(r, 'working', { state: 'working', rule: 'qwen/working', near_miss: ['qwen/idle'] }, false)];
  }),

  scenario(
    'working-streaming',
    {
      turns: () => [
        {
          kind: 'text',
          chunkDelayMs: 700,
          text: STREAMED.bullets('Do you want me to add one?'),
        },
      ],
    },
    async (r) => {
      await ready(r);
      await ask(r, 'Describe the repository');
      await r.t.waitFor(r.pane, (s) => /no source code/.test(s) && !/Do you want me to add one/.test(s) && busy(s), 'streaming text', 30_000);
      return [
        await record(r, 'working-streaming', { state: 'working', rule: 'qwen/working', near_miss: ['qwen/idle', 'qwen/idle-question'] }, false),
      ];
    },
  ),

  // yolo: the shell tool runs without asking, under the busy status line. (0.24.4 refuses a
  // standalone `sleep N` as a blocking command: the slow command is a loop.)
  scenario('working-shell', { mode: 'yolo', turns: () => [shell(SLOW, 'Run the slow suite.', 'Running the slow suite.')] }, async (r) => {
    await ready(r);
    await ask(r, 'Run the slow suite');
    await r.t.waitFor(r.pane, (s) => /seq 1 60/.test(s) && busy(s), 'the running shell command', 30_000);
    await sleep(2_000);
    await r.t.waitFor(r.pane, busy, 'the command still running', 5_000);
    return [
      await record(r, 'working-shell', { state: 'working', rule: 'qwen/working', near_miss: ['qwen/idle', 'qwen/shell-approval'] }, false),
    ];
  }),

  // 429s are retried with backoff under the same busy status line, nothing else on screen.
  scenario('working-retry', { turns: () => [...Array<ChatTurn>(12).fill(RATE_LIMIT), { kind: 'text', text: RETRY_ANSWER }] }, async (r) => {
    await ready(r);
    await ask(r, PROSE.done.prompt);
    await r.t.waitFor(r.pane, (s) => busy(s) && r.mock.mainRequests().length >= 4, 'retries under the busy status', 30_000);
    return [await record(r, 'working-retry', { state: 'working', rule: 'qwen/working', near_miss: ['qwen/error-api', 'qwen/idle'] }, false)];
  }),

  scenario(
    'shell-approval',
    { turns: () => [shell('npm test -- --runInBand', 'Run the test suite once, serially.', 'I will run the test suite.')] },
    async (r) => {
      await ready(r);
      await ask(r, 'Run the tests');
      await r.t.waitFor(r.pane, (s) => /Allow execution of/.test(s) && dialog(s), 'the shell approval', 30_000);
      return [
        await record(r, 'shell-approval', {
          state: 'permission_approval',
          rule: 'qwen/shell-approval',
          near_miss: ['qwen/edit-approval', 'qwen/ask-user', 'qwen/plan-approval'],
        }),
      ];
    },
  ),

  // A long multi-line command: at 80x24 the dialog is taller than the screen and scrolls.
  scenario('shell-approval-long', { turns: () => [shell(LONG_SCRIPT, 'Build and test every package, then lint', 'I will build and test every package.')] }, async (r) => {
    await ready(r);
    await ask(r, 'Build and test everything');
    await r.t.waitFor(r.pane, (s) => /Allow execution of/.test(s) && dialog(s), 'the shell approval', 30_000);
    return [
      await record(r, 'shell-approval-long', {
        state: 'permission_approval',
        rule: 'qwen/shell-approval',
        near_miss: ['qwen/edit-approval', 'qwen/ask-user', 'qwen/plan-approval'],
      }),
    ];
  }),

  scenario(
    'edit-approval',
    {
      turns: (work) => [
        {
          kind: 'tool_calls',
          text: 'I will add a release checklist.',
          calls: [{ name: 'write_file', arguments: { file_path: `${work}/RELEASING.md`, content: '# Release checklist\n\n- bump the version\n- update CHANGELOG.md\n' } }],
        },
      ],
    },
    async (r) => {
      await ready(r);
      await ask(r, 'Add a short release checklist');
      await r.t.waitFor(r.pane, (s) => /Apply this change\?/.test(s) && dialog(s), 'the edit approval', 30_000);
      return [
        await record(r, 'edit-approval', {
          state: 'permission_approval',
          rule: 'qwen/edit-approval',
          near_miss: ['qwen/shell-approval', 'qwen/ask-user', 'qwen/plan-approval'],
        }),
      ];
    },
  ),

  // The edit tool on an existing file: a diff of README.md (the file was read first).
  scenario(
    'edit-approval-diff',
    {
      turns: (work) => [
        { kind: 'tool_calls', calls: [{ name: 'read_file', arguments: { file_path: `${work}/README.md` } }] },
        {
          kind: 'tool_calls',
          text: 'I will describe the project better.',
          calls: [
            {
              name: 'edit',
              arguments: { file_path: `${work}/README.md`, old_string: 'A small demo project.', new_string: 'A small demo project for the kage-bunshin recorder.' },
            },
          ],
        },
      ],
    },
    async (r) => {
      await ready(r);
      await ask(r, 'Describe the project better in the README');
      await r.t.waitFor(r.pane, (s) => /Apply this change\?/.test(s) && dialog(s), 'the edit approval', 30_000);
      return [
        await record(r, 'edit-approval-diff', {
          state: 'permission_approval',
          rule: 'qwen/edit-approval',
          near_miss: ['qwen/shell-approval', 'qwen/plan-approval'],
        }),
      ];
    },
  ),

  scenario(
    'ask-user',
    {
      turns: () => [
        {
          kind: 'tool_calls',
          calls: [
            {
              name: 'ask_user_question',
              arguments: {
                questions: [
                  {
                    header: 'Approach',
                    question: 'How should the flaky test be fixed?',
                    multiSelect: false,
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
      ],
    },
    async (r) => {
      await ready(r);
      await ask(r, 'Fix the flaky test');
      await r.t.waitFor(r.pane, (s) => /How should the flaky test be fixed\?/.test(s) && dialog(s), 'the question picker', 30_000);
      return [
        await record(r, 'ask-user', {
          state: 'question',
          rule: 'qwen/ask-user',
          near_miss: ['qwen/shell-approval', 'qwen/edit-approval', 'qwen/plan-approval'],
        }),
      ];
    },
  ),

  scenario(
    'ask-user-multi',
    {
      turns: () => [
        {
          kind: 'tool_calls',
          calls: [
            {
              name: 'ask_user_question',
              arguments: {
                questions: [
                  {
                    header: 'Features',
                    question: 'Which features do you want to enable?',
                    multiSelect: true,
                    options: [
                      { label: 'Logging', description: 'Structured logs to stderr' },
                      { label: 'Metrics', description: 'A Prometheus endpoint' },
                      { label: 'Tracing', description: 'OpenTelemetry spans' },
                    ],
                  },
                  {
                    header: 'Storage',
                    question: 'Where should the data live?',
                    multiSelect: false,
                    options: [
                      { label: 'SQLite', description: 'One file next to the binary' },
                      { label: 'Postgres', description: 'The shared database server' },
                    ],
                  },
                ],
              },
            },
          ],
        },
      ],
    },
    async (r) => {
      await ready(r);
      await ask(r, 'Set up the service');
      await r.t.waitFor(r.pane, (s) => /Which features do you want to enable\?/.test(s) && dialog(s), 'the question picker', 30_000);
      return [await record(r, 'ask-user-multi', { state: 'question', rule: 'qwen/ask-user', near_miss: ['qwen/shell-approval', 'qwen/plan-approval'] })];
    },
  ),

  scenario(
    'plan-approval',
    {
      mode: 'plan',
      turns: () => [
        {
          kind: 'tool_calls',
          text: 'Here is my plan.',
          calls: [
            {
              name: 'exit_plan_mode',
              arguments: { plan: '1. Add a --verbose flag to the CLI parser.\n2. Print debug lines when it is set.\n3. Document it in README.md and add two tests.' },
            },
          ],
        },
      ],
    },
    async (r) => {
      await ready(r);
      await ask(r, 'Add a --verbose flag');
      await r.t.waitFor(r.pane, (s) => /Would you like to proceed\?/.test(s) && dialog(s), 'the plan approval', 30_000);
      return [
        await record(r, 'plan-approval', {
          state: 'permission_approval',
          rule: 'qwen/plan-approval',
          near_miss: ['qwen/shell-approval', 'qwen/edit-approval', 'qwen/ask-user'],
        }),
      ];
    },
  ),

  // A non-retryable API error ends the turn with "✕ [API Error: 401 ...]" above the idle composer.
  apiError('error-api', { turns: () => [BAD_KEY] }, { pattern: /✕ \[API Error/, what: 'the API error' }, {
    state: 'error',
    rule: 'qwen/error-api',
    near_miss: ['qwen/idle', 'qwen/idle-question'],
  }),

  apiError(
    'idle-after-error',
    { turns: () => [BAD_KEY, { kind: 'text', text: RETRY_ANSWER }] },
    { pattern: /✕ \[API Error/, what: 'the API error' },
    { state: 'idle', rule: 'qwen/idle', near_miss: ['qwen/error-api'] },
    { retry: true },
  ),

  // Ctrl-C twice at the idle composer quits; Qwen Code clears the screen and, for a session
  // that has a conversation, prints "To continue this session, run qwen --resume <uuid>".
  scenario('exited', kit.textSetup(PROSE.done.text), async (r) => {
    await answered(r, PROSE.done.prompt, PROSE.done.tail);
    const dead = async () => (await r.t.facts(r.pane)).dead;
    // The second Ctrl-C must follow while "Press Ctrl+C again to exit." is still shown.
    for (let i = 0; i < 3 && !(await dead()); i++) {
      await r.t.keys(r.pane, 'C-c');
      await r.t.waitFor(r.pane, /Press Ctrl\+C again to exit/, 'the exit warning', 3_000).catch(() => undefined);
      await r.t.keys(r.pane, 'C-c');
      await r.t.waitFor(r.pane, dead, 'qwen to exit', 5_000).catch(() => undefined);
    }
    await r.t.waitFor(r.pane, dead, 'a dead pane', 10_000);
    return [await record(r, 'exited', { state: 'exited', rule: 'generic/pane-dead', near_miss: ['qwen/idle'] })];
  }),

  // /quit on a fresh session (the slash-command popup takes the first Enter, which runs it):
  // nothing to resume, so the cleared screen shows only tmux's "Pane is dead".
  scenario('exited-quit', {}, async (r) => {
    await ready(r);
    await r.t.type(r.pane, '/quit');
    await r.t.waitFor(r.pane, /exit the cli/, 'the /quit completion', 10_000);
    await sleep(300);
    const dead = async () => (await r.t.facts(r.pane)).dead;
    for (let i = 0; i < 3 && !(await dead()); i++) {
      await r.t.keys(r.pane, 'Enter');
      await r.t.waitFor(r.pane, dead, 'qwen to exit', 5_000).catch(() => undefined);
    }
    await r.t.waitFor(r.pane, dead, 'a dead pane', 10_000);
    return [await record(r, 'exited-quit', { state: 'exited', rule: 'generic/pane-dead', near_miss: ['qwen/idle'] })];
  }),
];

/** Scenarios also recorded at 200x50. */
const WIDE = new Set(['idle-answer', 'shell-approval', 'edit-approval', 'ask-user', 'working-streaming', 'idle-near-miss']);

export async function recordQwen(opts: RecordOptions = {}): Promise<{ recorded: string[]; failed: string[] }> {
  const sizes = [
    { w: 120, h: 40 },
    { w: 80, h: 24 },
  ];
  const first = await runScenarios(qwenScenarios, opts, sizes);
  if (opts.sizes) return first;
  const wide = await runScenarios(
    qwenScenarios.filter((s) => WIDE.has(s.name)),
    opts,
    [{ w: 200, h: 50 }],
  );
  return { recorded: [...first.recorded, ...wide.recorded], failed: [...first.failed, ...wide.failed] };
}
