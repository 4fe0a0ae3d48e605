/**
 * Real GitHub Copilot CLI screens (1.0.102, offline, BYOK) against the in-repo mock Chat
 * Completions API (test/support/mock-chat.ts): folder trust, tool approvals, its ask_user form
 * and plan approval, busy and idle REPL, API errors and exit. One Copilot at a time, each
 * scenario in a fresh temp HOME (test/support/copilot-home.ts) and a fresh git working directory.
 *
 *   npm run record -- copilot [--only PATTERN] [--size WxH]
 */
import type { PrivateTmux } from '../lib/tmux.js';
import { startMockChat, type ChatTurn } from '../../test/support/mock-chat.js';
import { copilotBin, makeCopilotHome } from '../../test/support/copilot-home.js';
import { agentSteps, PROSE, RETRY_ANSWER, runAgent, STREAMED, type AgentKit, type AgentRun } from './agent-run.js';
import { runScenarios, sleep, tempWorkdir, versionOf, type RecordOptions, type Scenario, type Size } from './run-others.js';

type CopilotMock = Awaited<ReturnType<typeof startMockChat>>;
type CopilotRun = AgentRun<CopilotMock>;

interface Setup {
  /** main-loop answers in order; `work` is the working directory (file tools want absolute paths) */
  turns?: (work: string) => ChatTurn[];
  /** trust the working directory in ~/.copilot/config.json (false: "Confirm folder trust") */
  trust?: boolean;
  /** point the provider at the mock (false: no provider at all) */
  provider?: boolean;
  /** extra command-line arguments (--plan, --allow-all-tools ...) */
  args?: string[];
}

let copilotVersion = '';
const version = () => (copilotVersion ||= versionOf([copilotBin(), '--version']));

const RULE = /^─{20,}$/;
const nonBlank = (s: string) => s.split('\n').filter((l) => l.trim() !== '');

/** The footer row under the composer (its two full-width rules around the "❯" input), or undefined. */
function footer(s: string): string | undefined {
  const lines = nonBlank(s);
  for (let i = lines.length - 1; i > 1; i--) {
    if (RULE.test(lines[i] ?? '') && RULE.test(lines[i - 2] ?? '') && /^❯/.test(lines[i - 1] ?? '')) return lines.slice(i + 1).join('\n');
  }
  return undefined;
}

/** The composer waits: its footer offers "/ commands" (busy: "Working ... esc esc interrupt"). */
const idleComposer = (s: string): boolean => /\/ commands/.test(footer(s) ?? '');
const busy = (s: string): boolean => /esc esc interrupt|Working/.test(footer(s) ?? '');
/** A dialog or form replaced the composer and its footer. */
const dialog = (s: string): boolean => footer(s) === undefined && /enter (to )?(select|accept)/.test(s);

async function withCopilot(t: PrivateTmux, size: Size, opts: RecordOptions, setup: Setup, body: (r: CopilotRun) => Promise<string[]>) {
  const mock = await startMockChat();
  const dir = await tempWorkdir({ git: true, prefix: 'kb-rec-copilot-work-' });
  mock.push(...(setup.turns?.(dir.dir) ?? []));
  const home = await makeCopilotHome({
    ...(setup.provider === false ? {} : { baseUrl: mock.url }),
    trustDirs: setup.trust === false ? [] : [dir.dir],
  });
  return runAgent(t, size, opts, { mock, work: dir, home, argv: [copilotBin(), ...(setup.args ?? [])] }, body);
}

async function ready(r: CopilotRun): Promise<void> {
  await r.t.waitFor(r.pane, (s) => idleComposer(s) && /gpt-mock/.test(s), 'the Copilot composer', 60_000);
  await r.t.settle(r.pane, 1_000);
}

/** Types a prompt and waits until the mock has the main-loop request it starts. */
async function ask(r: CopilotRun, prompt: string): Promise<void> {
  const before = r.mock.mainRequests().length;
  await r.t.submit(r.pane, prompt, () => r.mock.mainRequests().length > before);
}

// agent-run.ts types AgentKit.agent as 'codex' | 'gemini'; the steps only use it as the
// fixture's agent and program name, so 'copilot' goes through a cast until that type is widened.
const kit = {
  agent: 'copilot',
  version,
  settleMs: 1_000,
  start: withCopilot,
  ready,
  ask,
  idle: idleComposer,
  flatten: (s: string) => s.replace(/[\s┃│]+/g, ' '),
  textSetup: (text: string): Setup => ({ turns: () => [{ kind: 'text', text }] }),
} as const;
const { scenario, prose, apiError, record, answered } = agentSteps<CopilotMock, Setup>(kit as unknown as AgentKit<CopilotMock, Setup>);

const bash = (command: string, description: string, text?: string): ChatTurn => ({
  kind: 'tool_calls',
  ...(text ? { text } : {}),
  calls: [{ name: 'bash', arguments: { command, description } }],
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
const BAD_KEY: ChatTurn = { kind: 'error', status: 401, type: 'invalid_api_key', message: 'Incorrect API key provided: sk-mock-copilot.' };
const RATE_LIMIT: ChatTurn = { kind: 'error', status: 429, type: 'rate_limit_exceeded', message: 'Rate limit reached for gpt-mock. Please try again in 20s.' };

export const copilotScenarios: Scenario[] = [
  scenario('trust-folder', { trust: false }, async (r) => {
    await r.t.waitFor(r.pane, /Do you trust the files in this folder\?/, 'the trust dialog', 60_000);
    return [
      await record(r, 'trust-folder', {
        state: 'permission_approval',
        rule: 'copilot/trust-folder',
        near_miss: ['copilot/shell-approval', 'copilot/ask-user'],
      }),
    ];
  }),

  // Offline without a provider: Copilot prints one line and exits.
  scenario('no-provider', { provider: false }, async (r) => {
    await r.t.waitFor(r.pane, async () => (await r.t.facts(r.pane)).dead, 'a dead pane', 60_000);
    return [await record(r, 'no-provider', { state: 'exited', rule: 'generic/pane-dead', near_miss: ['copilot/error-api'] })];
  }),

  scenario('idle-fresh', {}, async (r) => {
    await ready(r);
    return [await record(r, 'idle-fresh', { state: 'idle', rule: 'copilot/idle', near_miss: ['copilot/working'] })];
  }),

  prose('idle-answer', PROSE.done, { state: 'idle', rule: 'copilot/idle', near_miss: ['copilot/working', 'copilot/idle-question'] }),

  prose('idle-question', PROSE.question, { state: 'question', rule: 'copilot/idle-question', near_miss: ['copilot/idle'] }),

  // An answer that quotes the dialogs' own words: the composer under it says idle.
  prose(
    'idle-near-miss',
    {
      prompt: 'Describe the Copilot screens for the runbook',
      text: [
        'Here is what each Copilot CLI screen says, for your runbook:',
        '',
        '* A shell command asks "Do you want to run this command?" over "❯ 1. Yes" and "3. No, and tell Copilot what to do differently (Esc to stop)".',
        '* A new file asks "Do you want to create RELEASING.md?".',
        '* A new folder asks "Do you trust the files in this folder?".',
        '* Dialogs end with "↑/↓ to navigate · enter to select · esc to cancel".',
        '* While busy the footer says "Working · esc esc interrupt".',
        '* A failed call shows "✗ Authentication failed with provider".',
        '',
        'None of these is on screen now.',
      ].join('\n'),
      tail: 'None of these is on screen now.',
    },
    {
      state: 'idle',
      rule: 'copilot/idle',
      near_miss: ['copilot/shell-approval', 'copilot/edit-approval', 'copilot/trust-folder', 'copilot/ask-user', 'copilot/working', 'copilot/error-api', 'copilot/idle-question'],
    },
  ),

  scenario('idle-unsent', {}, async (r) => {
    await ready(r);
    await r.t.type(r.pane, 'refactor the parser into smaller functions');
    await r.t.waitFor(r.pane, /refactor the parser into smaller/, 'typed text', 10_000);
    return [await record(r, 'idle-unsent', { state: 'idle', rule: 'copilot/idle', near_miss: ['copilot/working'] })];
  }),

  scenario('idle-plan-mode', { args: ['--plan'] }, async (r) => {
    await ready(r);
    return [await record(r, 'idle-plan-mode', { state: 'idle', rule: 'copilot/idle', near_miss: ['copilot/plan-approval'] })];
  }),

  scenario('idle-autopilot', { args: ['--autopilot', '--allow-all-tools'] }, async (r) => {
    await ready(r);
    return [await record(r, 'idle-autopilot', { state: 'idle', rule: 'copilot/idle' })];
  }),

  // One Ctrl-C at the idle composer only warns ("ctrl+c again to exit" in the footer).
  scenario('idle-ctrl-c-once', {}, async (r) => {
    await ready(r);
    await r.t.keys(r.pane, 'C-c');
    await r.t.waitFor(r.pane, /ctrl\+c again to exit/, 'the exit warning', 5_000);
    return [await record(r, 'idle-ctrl-c-once', { state: 'idle', rule: 'copilot/idle', near_miss: ['generic/pane-dead', 'copilot/working'] }, false)];
  }),

  scenario('working', { turns: () => [{ kind: 'text', text: 'Still thinking.', startDelayMs: 120_000 }] }, async (r) => {
    await ready(r);
    await ask(r, 'Summarise the repository layout');
    await r.t.waitFor(r.pane, busy, 'the working footer', 20_000);
    await sleep(2_500);
    await r.t.waitFor(r.pane, busy, 'the working footer', 5_000);
    return [await record(r, 'working', { state: 'working', rule: 'copilot/working', near_miss: ['copilot/idle'] }, false)];
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
      await r.t.waitFor(r.pane, (s) => busy(s) && r.mock.mainRequests().length >= 1, 'streaming', 30_000);
      await sleep(3_000);
      await r.t.waitFor(r.pane, busy, 'still streaming', 5_000);
      return [
        await record(r, 'working-streaming', { state: 'working', rule: 'copilot/working', near_miss: ['copilot/idle', 'copilot/idle-question'] }, false),
      ];
    },
  ),

  // --allow-all-tools: the shell tool runs without asking, under the busy footer.
  scenario('working-shell', { args: ['--allow-all-tools'], turns: () => [bash(SLOW, 'Run the slow suite', 'Running the slow suite.')] }, async (r) => {
    await ready(r);
    await ask(r, 'Run the slow suite');
    await r.t.waitFor(r.pane, (s) => /seq 1 60|slow suite/.test(s) && busy(s), 'the running shell command', 30_000);
    await sleep(2_000);
    await r.t.waitFor(r.pane, busy, 'the command still running', 5_000);
    return [
      await record(r, 'working-shell', { state: 'working', rule: 'copilot/working', near_miss: ['copilot/idle', 'copilot/shell-approval'] }, false),
    ];
  }),

  // Errors are retried with "Request failed due to a transient API error. Retrying..." rows.
  scenario('working-retry', { turns: () => [...Array<ChatTurn>(8).fill(RATE_LIMIT), { kind: 'text', text: RETRY_ANSWER }] }, async (r) => {
    await ready(r);
    await ask(r, PROSE.done.prompt);
    await r.t.waitFor(r.pane, (s) => busy(s) && r.mock.mainRequests().length >= 2, 'retries under the busy footer', 60_000);
    return [await record(r, 'working-retry', { state: 'working', rule: 'copilot/working', near_miss: ['copilot/error-api', 'copilot/idle'] }, false)];
  }),

  scenario('shell-approval', { turns: () => [bash('npm test -- --runInBand', 'Run the test suite once, serially', 'I will run the test suite.')] }, async (r) => {
    await ready(r);
    await ask(r, 'Run the tests');
    await r.t.waitFor(r.pane, (s) => /Do you want to run this command\?/.test(s) && dialog(s), 'the shell approval', 30_000);
    return [
      await record(r, 'shell-approval', {
        state: 'permission_approval',
        rule: 'copilot/shell-approval',
        near_miss: ['copilot/edit-approval', 'copilot/ask-user', 'copilot/trust-folder', 'copilot/plan-approval'],
      }),
    ];
  }),

  // A long multi-line command: at 80x24 the dialog is taller than the screen and scrolls.
  scenario('shell-approval-long', { turns: () => [bash(LONG_SCRIPT, 'Build and test every package, then lint', 'I will build and test every package.')] }, async (r) => {
    await ready(r);
    await ask(r, 'Build and test everything');
    await r.t.waitFor(r.pane, (s) => /Do you want to run this command\?/.test(s) && dialog(s), 'the shell approval', 30_000);
    return [
      await record(r, 'shell-approval-long', {
        state: 'permission_approval',
        rule: 'copilot/shell-approval',
        near_miss: ['copilot/edit-approval', 'copilot/ask-user', 'copilot/plan-approval'],
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
          calls: [{ name: 'create', arguments: { path: `${work}/RELEASING.md`, file_text: '# Release checklist\n\n- bump the version\n- update CHANGELOG.md\n' } }],
        },
      ],
    },
    async (r) => {
      await ready(r);
      await ask(r, 'Add a short release checklist');
      await r.t.waitFor(r.pane, (s) => /Do you want to create/.test(s) && dialog(s), 'the edit approval', 30_000);
      return [
        await record(r, 'edit-approval', {
          state: 'permission_approval',
          rule: 'copilot/edit-approval',
          near_miss: ['copilot/shell-approval', 'copilot/trust-folder', 'copilot/ask-user'],
        }),
      ];
    },
  ),

  scenario(
    'edit-approval-diff',
    {
      turns: (work) => [
        {
          kind: 'tool_calls',
          text: 'I will describe the project better.',
          calls: [{ name: 'edit', arguments: { path: `${work}/README.md`, old_str: 'A small demo project.', new_str: 'A small demo project for the kage-bunshin recorder.' } }],
        },
      ],
    },
    async (r) => {
      await ready(r);
      await ask(r, 'Describe the project better in the README');
      await r.t.waitFor(r.pane, (s) => /Do you want to (edit|make|apply)/i.test(s) && dialog(s), 'the edit approval', 30_000);
      return [
        await record(r, 'edit-approval-diff', {
          state: 'permission_approval',
          rule: 'copilot/edit-approval',
          near_miss: ['copilot/shell-approval', 'copilot/plan-approval'],
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
              name: 'ask_user',
              arguments: {
                message: 'How should the flaky test be fixed?',
                requestedSchema: {
                  properties: { approach: { type: 'string', title: 'Approach', enum: ['Retry the call', 'Local fixture'] } },
                  required: ['approach'],
                },
              },
            },
          ],
        },
      ],
    },
    async (r) => {
      await ready(r);
      await ask(r, 'Fix the flaky test');
      await r.t.waitFor(r.pane, (s) => /How should the flaky test be fixed\?/.test(s) && dialog(s), 'the ask_user form', 30_000);
      return [
        await record(r, 'ask-user', {
          state: 'question',
          rule: 'copilot/ask-user',
          near_miss: ['copilot/idle', 'copilot/shell-approval', 'copilot/plan-approval'],
        }),
      ];
    },
  ),

  // A free-text field in the ask_user form (no suggested values).
  scenario(
    'ask-user-text',
    {
      turns: () => [
        {
          kind: 'tool_calls',
          calls: [
            {
              name: 'ask_user',
              arguments: {
                message: 'Which branch should the release be cut from?',
                requestedSchema: { properties: { branch: { type: 'string', title: 'Branch', description: 'An existing branch name' } }, required: ['branch'] },
              },
            },
          ],
        },
      ],
    },
    async (r) => {
      await ready(r);
      await ask(r, 'Cut a release');
      await r.t.waitFor(r.pane, (s) => /Which branch should the release be cut from\?/.test(s) && footer(s) === undefined, 'the ask_user form', 30_000);
      return [await record(r, 'ask-user-text', { state: 'question', rule: 'copilot/ask-user', near_miss: ['copilot/idle'] })];
    },
  ),

  scenario(
    'plan-approval',
    {
      args: ['--plan'],
      turns: () => [
        {
          kind: 'tool_calls',
          text: 'Here is my plan.',
          calls: [
            {
              name: 'exit_plan_mode',
              arguments: { summary: '- Add a --verbose flag to the CLI parser\n- Print debug lines when it is set\n- Document it in README.md and add two tests' },
            },
          ],
        },
      ],
    },
    async (r) => {
      await ready(r);
      await ask(r, 'Add a --verbose flag');
      await r.t.waitFor(r.pane, (s) => /verbose flag to the CLI parser/.test(s) && footer(s) === undefined && /enter/i.test(s), 'the plan approval', 30_000);
      return [
        await record(r, 'plan-approval', {
          state: 'permission_approval',
          rule: 'copilot/plan-approval',
          near_miss: ['copilot/shell-approval', 'copilot/edit-approval', 'copilot/ask-user'],
        }),
      ];
    },
  ),

  // Copilot retries a 401 a few times, then ends the turn on "✗ Authentication failed ...".
  apiError('error-api', { turns: () => Array<ChatTurn>(10).fill(BAD_KEY) }, { pattern: /✗ Authentication failed/, what: 'the API error' }, {
    state: 'error',
    rule: 'copilot/error-api',
    near_miss: ['copilot/idle', 'copilot/idle-question'],
  }),

  apiError(
    'idle-after-error',
    { turns: () => [...Array<ChatTurn>(3).fill(BAD_KEY), { kind: 'text', text: RETRY_ANSWER }] },
    { pattern: /✗ Authentication failed/, what: 'the API error' },
    { state: 'idle', rule: 'copilot/idle', near_miss: ['copilot/error-api'] },
    { retry: true },
  ),

  // Ctrl-C twice quits; the pane keeps Copilot's summary with "Resume copilot --resume=<uuid>".
  scenario('exited', kit.textSetup(PROSE.done.text), async (r) => {
    await answered(r, PROSE.done.prompt, PROSE.done.tail);
    const dead = async () => (await r.t.facts(r.pane)).dead;
    for (let i = 0; i < 3 && !(await dead()); i++) {
      await r.t.keys(r.pane, 'C-c');
      await r.t.waitFor(r.pane, /ctrl\+c again to exit/, 'the exit warning', 3_000).catch(() => undefined);
      await r.t.keys(r.pane, 'C-c');
      await r.t.waitFor(r.pane, dead, 'copilot to exit', 5_000).catch(() => undefined);
    }
    await r.t.waitFor(r.pane, dead, 'a dead pane', 10_000);
    return [await record(r, 'exited', { state: 'exited', rule: 'generic/pane-dead', near_miss: ['copilot/idle'] })];
  }),

  // /exit on a fresh session.
  scenario('exited-quit', {}, async (r) => {
    await ready(r);
    await r.t.type(r.pane, '/exit');
    await r.t.waitFor(r.pane, /❯ \/exit/, 'the typed command', 10_000);
    await sleep(300);
    const dead = async () => (await r.t.facts(r.pane)).dead;
    for (let i = 0; i < 3 && !(await dead()); i++) {
      await r.t.keys(r.pane, 'Enter');
      await r.t.waitFor(r.pane, dead, 'copilot to exit', 5_000).catch(() => undefined);
    }
    await r.t.waitFor(r.pane, dead, 'a dead pane', 10_000);
    return [await record(r, 'exited-quit', { state: 'exited', rule: 'generic/pane-dead', near_miss: ['copilot/idle'] })];
  }),
];

/** Scenarios also recorded at 200x50. */
const WIDE = new Set(['idle-answer', 'shell-approval', 'edit-approval', 'ask-user', 'working', 'idle-near-miss']);

export async function recordCopilot(opts: RecordOptions = {}): Promise<{ recorded: string[]; failed: string[] }> {
  const sizes = [
    { w: 120, h: 40 },
    { w: 80, h: 24 },
  ];
  const first = await runScenarios(copilotScenarios, opts, sizes);
  if (opts.sizes) return first;
  const wide = await runScenarios(
    copilotScenarios.filter((s) => WIDE.has(s.name)),
    opts,
    [{ w: 200, h: 50 }],
  );
  return { recorded: [...first.recorded, ...wide.recorded], failed: [...first.failed, ...wide.failed] };
}
