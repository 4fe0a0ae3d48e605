/**
 * Real pi (`@mariozechner/pi-coding-agent`) screens against the in-repo Chat Completions mock
 * (test/support/mock-chat.ts): idle and busy editor, the dialogs extensions open
 * (`ctx.ui.select` / `confirm` / `input`, a custom picker), the no-model and /login screens,
 * API errors and exit. pi asks no approvals itself, so the approval scenarios load the
 * extensions pi ships in examples/extensions (permission-gate.ts, rpc-demo.ts, question.ts,
 * confirm-destructive.ts, plan-mode/) or the small one below, from the temp HOME.
 * One pi at a time, each scenario in a fresh temp HOME and a fresh git working directory.
 */
import type { PrivateTmux } from '../lib/tmux.js';
import { startMockChat, type ChatTurn } from '../../test/support/mock-chat.js';
import { makePiHome, piArgs, piBin, type PiExtension } from '../../test/support/pi-home.js';
import { PROSE, RETRY_ANSWER, STREAMED } from './agent-run.js';
import { ask, chatSteps, flatten, runChatAgent, waitDead, type ChatRun } from './chat-agent.js';
import { runScenarios, sleep, tempWorkdir, versionOf, type RecordOptions, type Scenario, type Size } from './run-others.js';

interface Setup {
  turns?: ChatTurn[];
  /** write models.json for the mock (false: no provider at all) */
  provider?: boolean;
  extensions?: PiExtension[];
  settings?: Record<string, unknown>;
  /** extra arguments after the provider/model flags */
  args?: string[];
  /** run an interactive bash in the pane; the scenario starts pi from it (shellCommand) */
  shell?: boolean;
}

const shellCommand = (setup: Setup) => [piBin(), ...(setup.provider === false ? [] : piArgs()), ...(setup.args ?? [])].join(' ');

let piVersion = '';
const version = () => (piVersion ||= versionOf([piBin(), '--version']));

// pi draws the editor between two full-width rules at column 0, with the footer (cwd line,
// stats + model line) under it. Dialogs (ctx.ui.select/confirm/input, custom pickers)
// replace the editor between rules of their own; the loader row (" ⠋ Working...") sits
// above the top rule while the agent is busy.
const BORDER = /^─{3}/;

function layout(screen: string) {
  const lines = screen.split('\n');
  const rules = lines.flatMap((l, i) => (BORDER.test(l) ? [i] : []));
  if (rules.length < 2) return undefined;
  const top = rules[rules.length - 2] as number;
  const bottom = rules[rules.length - 1] as number;
  const above = lines.slice(0, top).filter((l) => l.trim() !== '');
  return { slot: lines.slice(top + 1, bottom).filter((l) => l.trim() !== ''), lastAbove: above.at(-1) ?? '', footer: lines.slice(bottom + 1) };
}

const busy = (s: string) => /^ [\u2800-\u28ff] /.test(layout(s)?.lastAbove ?? '');
const dialog = (s: string) => (layout(s)?.slot ?? []).some((l) => /^\s*→ |^> \d+\. |\bcancel\b/.test(l));
const idle = (s: string) => {
  const l = layout(s);
  return !!l && !busy(s) && !dialog(s) && l.footer.some((x) => /\S\s{2,}\S+$|%\//.test(x));
};

async function withPi(t: PrivateTmux, size: Size, opts: RecordOptions, setup: Setup, body: (r: ChatRun) => Promise<string[]>) {
  const mock = await startMockChat({ turns: setup.turns ?? [] });
  const work = await tempWorkdir({ git: true, prefix: 'kb-rec-pi-work-' });
  const home = await makePiHome({
    ...(setup.provider === false ? {} : { baseUrl: mock.url }),
    ...(setup.extensions ? { extensions: setup.extensions } : {}),
    ...(setup.settings ? { settings: setup.settings } : {}),
  });
  const argv = setup.shell ? ['bash', '--norc', '--noprofile'] : shellCommand(setup).split(' ');
  return runChatAgent(t, size, opts, { mock, work, home, argv }, body);
}

async function ready(r: ChatRun): Promise<void> {
  await r.t.waitFor(r.pane, (s) => idle(s) && /pi v\d/.test(s), 'the pi editor', 60_000);
  await r.t.settle(r.pane, 800);
}

const { scenario, record, answered } = chatSteps<Setup>({
  agent: 'pi',
  program: 'pi',
  version,
  settleMs: 800,
  start: withPi,
  ready,
  idle,
});

const prose = (name: string, text: { prompt: string; text: string; tail: string }, label: Parameters<typeof record>[2], setup: Setup = {}) =>
  scenario(name, { ...setup, turns: [{ kind: 'text', text: text.text }] }, async (r) => {
    await answered(r, text.prompt, text.tail);
    return [await record(r, name, label)];
  });

/** Waits for a dialog in the editor's place that shows `marker`. */
const waitDialog = (r: ChatRun, marker: RegExp, what: string) =>
  r.t.waitFor(r.pane, (s) => dialog(s) && marker.test(flatten(s)), what, 45_000);

/** A small extension of our own: ctx.ui.confirm before pi's write and edit tools run. */
const CONFIRM_WRITES: PiExtension = {
  name: 'confirm-writes.ts',
  source: `import type { ExtensionAPI } from "@mariozechner/pi-coding-agent";

// Asks before the write and edit tools change a file.
export default function (pi: ExtensionAPI) {
  pi.on("tool_call", async (event, ctx) => {
    if (event.toolName !== "write" && event.toolName !== "edit") return undefined;
    if (!ctx.hasUI) return { block: true, reason: "No UI to confirm file changes" };
    const ok = await ctx.ui.confirm(\`Allow \${event.toolName}?\`, \`pi wants to \${event.toolName} \${String(event.input.path)}\`);
    return ok ? undefined : { block: true, reason: "Blocked by user" };
  });
}
`,
};

const bash = (command: string, text?: string): ChatTurn => ({ kind: 'tool_calls', ...(text ? { text } : {}), calls: [{ name: 'bash', arguments: { command } }] });

const STREAMING = STREAMED.lines;

/** No SDK-level retries: each agent-level attempt is one request. */
const retrySettings = (baseDelayMs: number, maxRetries = 3) => ({ retry: { enabled: true, maxRetries, baseDelayMs, provider: { maxRetries: 0 } } });

const rateLimit: ChatTurn = { kind: 'error', status: 429, type: 'rate_limit_exceeded', message: 'Rate limit reached for gpt-mock in organization org-mock on requests per min (RPM): Limit 3, Used 3, Requested 1.' };

export const piScenarios: Scenario[] = [
  scenario('idle-fresh', {}, async (r) => {
    await ready(r);
    return [await record(r, 'idle-fresh', { state: 'idle', rule: 'pi/idle', near_miss: ['pi/working', 'pi/no-model', 'pi/exited'] })];
  }),

  prose('idle-answer', PROSE.done, { state: 'idle', rule: 'pi/idle', near_miss: ['pi/working', 'pi/idle-question', 'pi/error-api'] }),

  prose('idle-question', PROSE.question, { state: 'question', rule: 'pi/idle-question', near_miss: ['pi/idle'] }),

  // An answer that quotes every dialog, the loader row and an error line in prose.
  prose(
    'idle-near-miss',
    {
      prompt: 'Describe the pi screens for the runbook',
      text: [
        'Here is what each pi screen says, for your runbook:',
        '',
        '→ Yes',
        '  No',
        '',
        '↑↓ navigate  enter select  escape/ctrl+c cancel',
        '',
        'While busy the row above the editor reads "⠋ Working..." and a failed call ends with:',
        '',
        'Error: 401 Incorrect API key provided.',
        '',
        'None of these is on screen now, and nothing waits for you.',
      ].join('\n'),
      tail: 'nothing waits for you.',
    },
    { state: 'idle', rule: 'pi/idle', near_miss: ['pi/confirm', 'pi/select', 'pi/yes-no', 'pi/input', 'pi/working', 'pi/error-api', 'pi/idle-question'] },
  ),

  // Typed but not sent: the text sits in the editor at column 0.
  scenario('idle-unsent', {}, async (r) => {
    await ready(r);
    await r.t.type(r.pane, '> refactor the parser into smaller functions, then cancel the old one?');
    await r.t.waitFor(r.pane, /refactor the parser into smaller/, 'typed text', 10_000);
    return [await record(r, 'idle-unsent', { state: 'idle', rule: 'pi/idle', near_miss: ['pi/input', 'pi/select', 'pi/idle-question'] })];
  }),

  scenario('working-streaming', { turns: [{ kind: 'text', text: STREAMING, chunkDelayMs: 600 }] }, async (r) => {
    await ready(r);
    await ask(r, 'Describe the repository');
    await r.t.waitFor(r.pane, (s) => /no source code/.test(s) && !/That is all there is/.test(s) && busy(s), 'streaming text', 30_000);
    return [await record(r, 'working-streaming', { state: 'working', rule: 'pi/working', near_miss: ['pi/idle'] }, false)];
  }),

  scenario('working-wait', { turns: [{ kind: 'text', text: 'Still thinking.', startDelayMs: 120_000 }] }, async (r) => {
    await ready(r);
    await ask(r, 'Summarise the repository layout');
    await r.t.waitFor(r.pane, busy, 'the loader row', 20_000);
    await sleep(1_500);
    return [await record(r, 'working-wait', { state: 'working', rule: 'pi/working', near_miss: ['pi/idle', 'pi/idle-question'] }, false)];
  }),

  scenario('working-command', { turns: [bash('sleep 60', 'Running the slow test suite.')] }, async (r) => {
    await ready(r);
    await ask(r, 'Run the slow test suite');
    await r.t.waitFor(r.pane, (s) => /\$ sleep 60/.test(s) && busy(s), 'the running command', 30_000);
    await sleep(2_000);
    return [await record(r, 'working-command', { state: 'working', rule: 'pi/working', near_miss: ['pi/idle'] }, false)];
  }),

  // rpc-demo.ts (shipped) puts a widget between the loader row and the editor.
  scenario('working-widget', { extensions: ['rpc-demo.ts'], turns: [{ kind: 'text', text: STREAMING, chunkDelayMs: 600 }] }, async (r) => {
    await ready(r);
    await ask(r, 'Describe the repository');
    await r.t.waitFor(r.pane, (s) => /no source code/.test(s) && !/That is all there is/.test(s) && /RPC Extension UI Demo/.test(s), 'streaming text under the widget', 30_000);
    return [await record(r, 'working-widget', { state: 'working', rule: 'pi/working', near_miss: ['pi/idle'] }, false)];
  }),

  // Agent-level retry after a 429: the loader row counts down ("Retrying (1/3) in 30s...").
  scenario('api-retry', { settings: retrySettings(30_000), turns: [rateLimit, { kind: 'text', text: RETRY_ANSWER }] }, async (r) => {
    await ready(r);
    await ask(r, PROSE.done.prompt);
    await r.t.waitFor(r.pane, (s) => /Retrying/.test(s) && busy(s), 'the retry row', 30_000);
    await sleep(1_500);
    return [await record(r, 'api-retry', { state: 'working', rule: 'pi/working', near_miss: ['pi/error-api'] }, false)];
  }),

  // permission-gate.ts (shipped): ctx.ui.select "Dangerous command ... Allow?" [Yes, No] before rm -rf.
  scenario('command-approval', { extensions: ['permission-gate.ts'], turns: [bash('rm -rf build/', 'Cleaning the build directory.')] }, async (r) => {
    await ready(r);
    await ask(r, 'Clean the build directory');
    await waitDialog(r, /Allow\?.*→ Yes/, 'the permission gate');
    return [await record(r, 'command-approval', { state: 'permission_approval', rule: 'pi/confirm', near_miss: ['pi/select', 'pi/yes-no', 'pi/working'] })];
  }),

  // rpc-demo.ts (shipped): the same gate with other words, [Allow, Block].
  scenario('command-approval-allow', { extensions: ['rpc-demo.ts'], turns: [bash('sudo systemctl restart nginx', 'Restarting the web server.')] }, async (r) => {
    await ready(r);
    await ask(r, 'Restart the web server');
    await waitDialog(r, /→ Allow/, 'the Allow/Block gate');
    return [await record(r, 'command-approval-allow', { state: 'permission_approval', rule: 'pi/confirm', near_miss: ['pi/select', 'pi/yes-no'] })];
  }),

  // ctx.ui.confirm before the write tool: "Allow write?" [Yes, No].
  scenario(
    'edit-approval',
    {
      extensions: [CONFIRM_WRITES],
      turns: [{ kind: 'tool_calls', text: 'I will add a release checklist.', calls: [{ name: 'write', arguments: { path: 'RELEASING.md', content: '# Release checklist\n\n- bump the version\n- update CHANGELOG.md\n' } }] }],
    },
    async (r) => {
      await ready(r);
      await ask(r, 'Add a short release checklist');
      await waitDialog(r, /Allow write\?.*→ Yes/, 'the write confirmation');
      return [await record(r, 'edit-approval', { state: 'permission_approval', rule: 'pi/confirm', near_miss: ['pi/select', 'pi/yes-no'] })];
    },
  ),

  // question.ts (shipped): a tool whose custom picker lists numbered options and "Type something.".
  scenario(
    'question-tool',
    {
      extensions: ['question.ts'],
      turns: [
        {
          kind: 'tool_calls',
          calls: [
            {
              name: 'question',
              arguments: {
                question: 'How should the flaky test be fixed?',
                options: [
                  { label: 'Retry the call', description: 'Keep the real network call, retry it up to 3 times.' },
                  { label: 'Local fixture', description: 'Replace the call with a recorded response.' },
                ],
              },
            },
          ],
        },
      ],
    },
    async (r) => {
      await ready(r);
      await ask(r, 'Plan how to fix the flaky test');
      await waitDialog(r, /> 1\. Retry the call/, 'the question picker');
      return [await record(r, 'question-tool', { state: 'question', rule: 'pi/select', near_miss: ['pi/confirm', 'pi/working'] })];
    },
  ),

  // plan-mode/ (shipped): after a planning turn it asks "Plan mode - what next?" at idle.
  scenario(
    'plan-next',
    {
      extensions: ['plan-mode'],
      args: ['--plan'],
      turns: [{ kind: 'text', text: 'Plan:\n1. Record the network response as a fixture\n2. Load the fixture in the flaky test\n3. Run the suite three times to confirm' }],
    },
    async (r) => {
      await ready(r);
      await ask(r, 'Plan how to fix the flaky test');
      await waitDialog(r, /what next\?.*→ Execute/, 'the plan menu');
      return [await record(r, 'plan-next', { state: 'question', rule: 'pi/select', near_miss: ['pi/confirm', 'pi/yes-no'] })];
    },
  ),

  // confirm-destructive.ts (shipped): /new asks "Clear session?" [Yes, No] at the idle editor.
  scenario('clear-session', { extensions: ['confirm-destructive.ts'], turns: [{ kind: 'text', text: PROSE.done.text }] }, async (r) => {
    await answered(r, PROSE.done.prompt, PROSE.done.tail);
    await r.t.type(r.pane, '/new');
    await r.t.waitFor(r.pane, /\/new/, 'the typed command', 10_000);
    await sleep(400);
    await r.t.keys(r.pane, 'Enter');
    // The first Enter may only pick the autocompleted command.
    try {
      await waitDialog(r, /Clear session\?/, 'the clear confirmation');
    } catch {
      await r.t.keys(r.pane, 'Enter');
      await waitDialog(r, /Clear session\?/, 'the clear confirmation');
    }
    return [await record(r, 'clear-session', { state: 'yes_no_prompt', rule: 'pi/yes-no', near_miss: ['pi/confirm', 'pi/select'] })];
  }),

  // rpc-demo.ts (shipped): /rpc-input opens ctx.ui.input, a one-line text field.
  scenario('ext-input', { extensions: ['rpc-demo.ts'] }, async (r) => {
    await ready(r);
    await r.t.type(r.pane, '/rpc-input');
    await r.t.waitFor(r.pane, /\/rpc-input/, 'the typed command', 10_000);
    await sleep(400);
    await r.t.keys(r.pane, 'Enter');
    try {
      await waitDialog(r, /Enter a value/, 'the input field');
    } catch {
      await r.t.keys(r.pane, 'Enter');
      await waitDialog(r, /Enter a value/, 'the input field');
    }
    return [await record(r, 'ext-input', { state: 'question', rule: 'pi/input', near_miss: ['pi/select', 'pi/idle'] })];
  }),

  // No models.json: pi starts with "No models available" and a footer without a model.
  scenario('no-model', { provider: false }, async (r) => {
    await r.t.waitFor(r.pane, (s) => /No models available/.test(s) && !!layout(s), 'the no-model warning', 60_000);
    const out = [await record(r, 'no-model', { state: 'error', rule: 'pi/no-model', near_miss: ['pi/idle'] })];
    await r.t.submit(r.pane, 'Add a --verbose flag', /No API key found/);
    out.push(await record(r, 'no-model-prompt', { state: 'error', rule: 'pi/no-model', near_miss: ['pi/idle', 'pi/error-api'] }));
    // /login: the sign-in method, then the provider list (with a search field), then the API key field.
    await r.t.type(r.pane, '/login');
    await r.t.waitFor(r.pane, /\/login/, 'the typed command', 10_000);
    await sleep(400);
    await r.t.keys(r.pane, 'Enter');
    try {
      await waitDialog(r, /→ Use a subscription/, 'the login method menu');
    } catch {
      await r.t.keys(r.pane, 'Enter');
      await waitDialog(r, /→ Use a subscription/, 'the login method menu');
    }
    out.push(await record(r, 'login-method', { state: 'question', rule: 'pi/select', near_miss: ['pi/no-model', 'pi/yes-no'] }));
    await r.t.keys(r.pane, 'Down');
    await waitDialog(r, /→ Use an API key/, 'the second option');
    await r.t.keys(r.pane, 'Enter');
    await r.t.waitFor(r.pane, /Select provider to configure/, 'the provider list', 10_000);
    out.push(await record(r, 'login-provider', { state: 'question', rule: 'pi/select', near_miss: ['pi/no-model', 'pi/input'] }));
    await r.t.type(r.pane, 'deepseek');
    await r.t.waitFor(r.pane, /→ DeepSeek/, 'DeepSeek selected', 10_000);
    await r.t.keys(r.pane, 'Enter');
    await r.t.waitFor(r.pane, /Enter API key/, 'the API key field', 10_000);
    out.push(await record(r, 'login-api-key', { state: 'question', rule: 'pi/input', near_miss: ['pi/no-model', 'pi/select'] }));
    return out;
  }),

  scenario(
    'error-auth',
    { turns: [{ kind: 'error', status: 401, type: 'invalid_api_key', message: 'Incorrect API key provided: sk-mock-pi. You can find your API key at https://platform.openai.com/account/api-keys.' }] },
    async (r) => {
      await ready(r);
      await ask(r, PROSE.done.prompt);
      await r.t.waitFor(r.pane, (s) => /Error: 401/.test(s) && idle(s), 'the 401 error', 30_000);
      return [await record(r, 'error-auth', { state: 'error', rule: 'pi/error-api', near_miss: ['pi/idle', 'pi/no-model'] })];
    },
  ),

  // The retries run out: the last 429 stays as the turn's end.
  scenario('error-rate-limit', { settings: retrySettings(500, 1), turns: [rateLimit, rateLimit] }, async (r) => {
    await ready(r);
    await ask(r, PROSE.done.prompt);
    await r.t.waitFor(r.pane, (s) => /Error: 429/.test(s) && idle(s) && r.mock.mainRequests().length >= 2, 'the final 429', 45_000);
    return [await record(r, 'error-rate-limit', { state: 'error', rule: 'pi/error-api', near_miss: ['pi/working', 'pi/idle'] })];
  }),

  // A retry that works: the 429 line stays above the answer, which is what counts.
  scenario('error-retry-ok', { settings: retrySettings(500), turns: [rateLimit, { kind: 'text', text: RETRY_ANSWER }] }, async (r) => {
    await ready(r);
    await ask(r, PROSE.done.prompt);
    await r.t.waitFor(r.pane, (s) => /All 14 tests pass\./.test(s) && idle(s), 'the answer after the retry', 45_000);
    return [await record(r, 'error-retry-ok', { state: 'idle', rule: 'pi/idle', near_miss: ['pi/error-api'] })];
  }),

  // Asked again after a 401: the new answer below the error.
  scenario(
    'error-then-answer',
    { turns: [{ kind: 'error', status: 401, type: 'invalid_api_key', message: 'Incorrect API key provided: sk-mock-pi.' }, { kind: 'text', text: RETRY_ANSWER }] },
    async (r) => {
      await ready(r);
      await ask(r, PROSE.done.prompt);
      await r.t.waitFor(r.pane, (s) => /Error: 401/.test(s) && idle(s), 'the 401 error', 30_000);
      await ask(r, 'Try again please');
      await r.t.waitFor(r.pane, (s) => /All 14 tests pass\./.test(s) && idle(s), 'the answer', 30_000);
      return [await record(r, 'error-then-answer', { state: 'idle', rule: 'pi/idle', near_miss: ['pi/error-api'] })];
    },
  ),

  // Escape while an answer streams: pi stops the turn.
  scenario('interrupted', { turns: [{ kind: 'text', text: STREAMING, chunkDelayMs: 700 }] }, async (r) => {
    await ready(r);
    await ask(r, 'Describe the repository');
    await r.t.waitFor(r.pane, (s) => /no source code/.test(s) && busy(s), 'streaming text', 30_000);
    await r.t.keys(r.pane, 'Escape');
    await r.t.waitFor(r.pane, idle, 'the idle editor', 15_000);
    return [await record(r, 'interrupted', { state: 'idle', rule: 'pi/idle', near_miss: ['pi/working', 'pi/error-api'] })];
  }),

  // Ctrl-C twice within 500 ms quits; the last frame stays above tmux's "Pane is dead".
  scenario('exited', {}, async (r) => {
    await ready(r);
    await r.t.keys(r.pane, 'C-c', 'C-c');
    await waitDead(r);
    return [await record(r, 'exited', { state: 'exited', rule: 'generic/pane-dead', near_miss: ['pi/idle'] })];
  }),

  // pi started from a shell: after Ctrl-C twice its last frame stays above the shell prompt.
  scenario('exited-shell', { shell: true }, async (r) => {
    await r.t.waitFor(r.pane, /[$#]\s*$/m, 'the shell prompt', 10_000);
    await r.t.type(r.pane, shellCommand({}));
    await r.t.keys(r.pane, 'Enter');
    await ready(r);
    await r.t.keys(r.pane, 'C-c', 'C-c');
    await r.t.waitFor(r.pane, async (s) => (await r.t.facts(r.pane)).command === 'bash' && /[$#]$/.test(s.trimEnd()), 'the shell prompt again', 15_000);
    return [await record(r, 'exited-shell', { state: 'exited', rule: 'pi/exited', near_miss: ['pi/idle'] })];
  }),

  // /quit after an answer.
  scenario('exited-quit', { turns: [{ kind: 'text', text: PROSE.done.text }] }, async (r) => {
    await answered(r, PROSE.done.prompt, PROSE.done.tail);
    await r.t.type(r.pane, '/quit');
    await r.t.waitFor(r.pane, /\/quit/, 'the typed command', 10_000);
    await sleep(400);
    await r.t.keys(r.pane, 'Enter');
    try {
      await waitDead(r, 8_000);
    } catch {
      await r.t.keys(r.pane, 'Enter');
      await waitDead(r);
    }
    return [await record(r, 'exited-quit', { state: 'exited', rule: 'generic/pane-dead', near_miss: ['pi/idle'] })];
  }),
];

/** Scenarios also recorded at 200x50. */
const LARGE = /^(idle-answer|idle-fresh|command-approval|edit-approval|question-tool|working-streaming|error-auth)-200x50$/;

export async function recordPi(opts: RecordOptions = {}): Promise<{ recorded: string[]; failed: string[] }> {
  if (opts.sizes) return runScenarios(piScenarios, opts, []);
  const small = await runScenarios(piScenarios, opts, [
    { w: 120, h: 40 },
    { w: 80, h: 24 },
  ]);
  const only = opts.only;
  const large = await runScenarios(
    piScenarios.filter((s) => LARGE.test(`${s.name}-200x50`)),
    { ...opts, sizes: [{ w: 200, h: 50 }], ...(only ? { only } : {}) },
    [],
  );
  return { recorded: [...small.recorded, ...large.recorded], failed: [...small.failed, ...large.failed] };
}
