/**
 * Real Cline CLI (`cline` 3.0.65) screens against the in-repo Chat Completions mock
 * (test/support/mock-chat.ts): the first-start notices, the sign-in menus, the idle and busy
 * REPL, its approval panel (commands, patches, other tools), its ask_question panel, API
 * errors and exit. One Cline at a time, each scenario in a fresh temp HOME (configured with
 * `cline auth`) and a fresh git working directory; the hub daemon Cline leaves behind is
 * ended with the HOME (test/support/cline-home.ts).
 */
import type { PrivateTmux } from '../lib/tmux.js';
import { startMockChat, type ChatTurn } from '../../test/support/mock-chat.js';
import { clineArgs, clineBin, makeClineHome } from '../../test/support/cline-home.js';
import { PROSE, RETRY_ANSWER, STREAMED } from './agent-run.js';
import { ask, chatSteps, flatten, runChatAgent, waitDead, type ChatRun } from './chat-agent.js';
import { runScenarios, sleep, tempWorkdir, versionOf, type RecordOptions, type Scenario, type Size } from './run-others.js';

interface Setup {
  turns?: ChatTurn[];
  /** run `cline auth` against the mock (false: no provider, the sign-in menu) */
  provider?: boolean;
  /** extra arguments after --auto-approve false (e.g. --plan) */
  args?: string[];
  /** run an interactive bash in the pane; the scenario starts cline from it */
  shell?: boolean;
}

let clineVersion = '';
const version = () => (clineVersion ||= versionOf([clineBin(), '--version']));

// Bottom up: three footer lines (model + tokens + cost with the "○ Plan ● Act (Tab)" radio
// pair, the cwd, the auto-approve line), then the input box (rule, "❯ " line, rule) or a
// panel that replaces it (approval, question), then the conversation ("❯ " user turns,
// "* " finished items, a braille spinner on the item still running).
const FOOTER = /[○●] \S+ [○●] \S+/;
const RULE = /^\s*─{10,}\s*$/;

function layout(screen: string) {
  const lines = screen.split('\n');
  let footer = -1;
  for (let i = lines.length - 1; i >= 0; i--) if (FOOTER.test(lines[i] ?? '')) {
    footer = i;
    break;
  }
  if (footer < 0) return undefined;
  const above = lines.slice(0, footer).filter((l) => l.trim() !== '');
  return { above, box: above.slice(-3) };
}

const inputBox = (s: string) => {
  const l = layout(s);
  return !!l && l.box.length === 3 && RULE.test(l.box[0] ?? '') && /^\s*❯ /.test(l.box[1] ?? '') && RULE.test(l.box[2] ?? '');
};
const busy = (s: string) => (layout(s)?.above.slice(-16) ?? []).some((l) => /^ [\u2800-\u28ff] /.test(l));
const notice = (s: string) => /any other key to close/.test(s);
const idle = (s: string) => inputBox(s) && !busy(s) && !notice(s);

async function withCline(t: PrivateTmux, size: Size, opts: RecordOptions, setup: Setup, body: (r: ChatRun) => Promise<string[]>) {
  const mock = await startMockChat({ turns: setup.turns ?? [] });
  const work = await tempWorkdir({ git: true, prefix: 'kb-rec-cline-work-' });
  const home = await makeClineHome(setup.provider === false ? {} : { baseUrl: mock.url });
  const argv = setup.shell ? ['bash', '--norc', '--noprofile'] : [clineBin(), ...clineArgs(), ...(setup.args ?? [])];
  return runChatAgent(t, size, opts, { mock, work, home, argv }, body);
}

/**
 * Waits for the REPL; a first-start notice (it takes the first key) is closed with Escape. The
 * notice can come up a moment AFTER the REPL is drawn, so an idle REPL must stay notice-free
 * for 3 s first.
 */
async function ready(r: ChatRun): Promise<void> {
  for (let i = 0; ; i++) {
    let s = await r.t.waitFor(r.pane, (x) => idle(x) || notice(x), 'the Cline REPL', 60_000);
    if (!notice(s)) s = await r.t.waitFor(r.pane, notice, 'a late notice', 3_000).catch(() => s);
    if (!notice(s)) break;
    if (i >= 3) throw new Error('the notice does not close');
    await r.t.settle(r.pane, 500, 3_000);
    await r.t.keys(r.pane, 'Escape');
    await r.t.waitFor(r.pane, (x) => !notice(x), 'the notice to close', 10_000);
  }
  await r.t.settle(r.pane, 800);
}

const { scenario, record, answered } = chatSteps<Setup>({
  agent: 'cline',
  program: 'cline',
  version,
  settleMs: 800,
  start: withCline,
  ready,
  idle,
});

const prose = (name: string, text: { prompt: string; text: string; tail: string }, label: Parameters<typeof record>[2]) =>
  scenario(name, { turns: [{ kind: 'text', text: text.text }] }, async (r) => {
    await answered(r, text.prompt, text.tail);
    return [await record(r, name, label)];
  });

/** The approval panel ("[y] Approve   [n] Deny") in place of the input box. */
const approval = (s: string) => /\[y\] \S+\s+\[n\] \S+/.test((layout(s)?.above.slice(-2) ?? []).join('\n'));
const waitApproval = (r: ChatRun, marker: RegExp, what: string) =>
  r.t.waitFor(r.pane, (s) => approval(s) && marker.test(flatten(s)), what, 45_000);

const commands = (...cmds: string[]): ChatTurn => ({ kind: 'tool_calls', calls: [{ name: 'run_commands', arguments: { commands: cmds } }] });
const withText = (text: string, turn: ChatTurn): ChatTurn => ({ ...turn, text }) as ChatTurn;

const patch = (file: string) =>
  ['*** Begin Patch', `*** Add File: ${file}`, '+# Release checklist', '+', '+- bump the version', '+- update CHANGELOG.md', '*** End Patch'].join('\n');

const STREAMING = STREAMED.lines;

const unauthorized: ChatTurn = {
  kind: 'error',
  status: 401,
  type: 'invalid_api_key',
  message: 'Incorrect API key provided: sk-mock-cline. You can find your API key at https://platform.openai.com/account/api-keys.',
};
const rateLimit: ChatTurn = { kind: 'error', status: 429, type: 'rate_limit_exceeded', message: 'Rate limit reached for gpt-mock in organization org-mock on requests per min (RPM).' };

/** Sends a slash-free key press sequence and waits for `marker`. */
async function keysUntil(r: ChatRun, keys: string[], marker: RegExp, what: string): Promise<void> {
  for (const k of keys) {
    await r.t.keys(r.pane, k);
    await sleep(250);
  }
  await r.t.waitFor(r.pane, marker, what, 15_000);
}

export const clineScenarios: Scenario[] = [
  // A new HOME: the first start shows the ClinePass notice over the REPL, the second the Cline
  // Desktop one (~/.cline/data/settings/cli-notices.json remembers them), the third none.
  scenario('notice', {}, async (r) => {
    await r.t.waitFor(r.pane, notice, 'the first notice', 60_000);
    await r.t.settle(r.pane, 800);
    const out = [await record(r, 'notice-clinepass', { state: 'question', rule: 'cline/notice', near_miss: ['cline/idle'] })];
    await r.t.keys(r.pane, 'Escape');
    await r.t.waitFor(r.pane, idle, 'the REPL', 15_000);
    await r.t.keys(r.pane, 'C-c');
    await waitDead(r);
    // The second start, same HOME and directory.
    const pane = await r.t.newSession({ width: r.size.w, height: r.size.h, cwd: r.work, env: r.env, argv: [clineBin(), ...clineArgs()] });
    try {
      const second = { ...r, pane };
      await r.t.waitFor(pane, notice, 'the second notice', 60_000);
      await r.t.settle(pane, 800);
      out.push(await record(second, 'notice-desktop', { state: 'question', rule: 'cline/notice', near_miss: ['cline/idle', 'cline/sign-in'] }));
      await r.t.keys(pane, 'Escape');
      await r.t.waitFor(pane, idle, 'the REPL', 15_000);
      await r.t.keys(pane, 'C-c');
      await r.t.waitFor(pane, async () => (await r.t.facts(pane)).dead, 'a dead pane', 15_000);
    } finally {
      await r.t.killPaneTree(pane);
    }
    return out;
  }),

  scenario('idle-fresh', {}, async (r) => {
    await ready(r);
    return [await record(r, 'idle-fresh', { state: 'idle', rule: 'cline/idle', near_miss: ['cline/working', 'cline/notice', 'cline/idle-question', 'cline/exited'] })];
  }),

  scenario('idle-fresh-plan', { args: ['--plan'] }, async (r) => {
    await ready(r);
    return [await record(r, 'idle-fresh-plan', { state: 'idle', rule: 'cline/idle', near_miss: ['cline/working'] })];
  }),

  prose('idle-answer', PROSE.done, { state: 'idle', rule: 'cline/idle', near_miss: ['cline/working', 'cline/idle-question', 'cline/error-api'] }),

  prose('idle-question', PROSE.question, { state: 'question', rule: 'cline/idle-question', near_miss: ['cline/idle', 'cline/ask-question'] }),

  // A long answer: the conversation overflows and a scrollbar fills its last column.
  prose(
    'idle-question-long',
    {
      prompt: 'Review the test suite',
      text: [
        'I read every test file. Here is what I found:',
        '',
        ...Array.from({ length: 24 }, (_, i) => `- test ${i + 1}: passes, runs in ${(i % 5) + 1}00 ms, no shared state.`),
        '',
        'Two of them hit the network. Should I replace those calls with recorded fixtures?',
      ].join('\n'),
      tail: 'replace those calls with recorded fixtures?',
    },
    { state: 'question', rule: 'cline/idle-question', near_miss: ['cline/idle', 'cline/working'] },
  ),

  prose(
    'idle-near-miss',
    {
      prompt: 'Describe the Cline screens for the runbook',
      text: [
        'Here is what each Cline screen shows, for your runbook:',
        '',
        'Cline needs permission',
        'Approve tool call?',
        '  [y] Approve   [n] Deny',
        '',
        'Cline is asking a question',
        '  > Retry the network call',
        '    Type a response...',
        '',
        'While busy a row reads "⠧ Thinking... (esc to cancel)", and a failed call ends with "* Error: 401".',
        '',
        'None of these is on screen now, and nothing waits for you.',
      ].join('\n'),
      tail: 'nothing waits for you.',
    },
    {
      state: 'idle',
      rule: 'cline/idle',
      near_miss: ['cline/command-approval', 'cline/edit-approval', 'cline/tool-approval', 'cline/ask-question', 'cline/working', 'cline/error-api', 'cline/idle-question'],
    },
  ),

  scenario('idle-unsent', {}, async (r) => {
    await ready(r);
    await r.t.type(r.pane, 'refactor the parser into smaller functions?');
    await r.t.waitFor(r.pane, /❯ refactor the parser into smaller/, 'typed text', 10_000);
    return [await record(r, 'idle-unsent', { state: 'idle', rule: 'cline/idle', near_miss: ['cline/idle-question', 'cline/api-key-entry'] })];
  }),

  scenario('working-streaming', { turns: [{ kind: 'text', text: STREAMING, chunkDelayMs: 600 }] }, async (r) => {
    await ready(r);
    await ask(r, 'Describe the repository');
    await r.t.waitFor(r.pane, (s) => /no source code/.test(s) && !/That is all there is/.test(s) && busy(s), 'streaming text', 30_000);
    return [await record(r, 'working-streaming', { state: 'working', rule: 'cline/working', near_miss: ['cline/idle'] }, false)];
  }),

  scenario('working-wait', { turns: [{ kind: 'text', text: 'Still thinking.', startDelayMs: 120_000 }] }, async (r) => {
    await ready(r);
    await ask(r, 'Summarise the repository layout');
    await r.t.waitFor(r.pane, busy, 'the thinking row', 20_000);
    await sleep(1_500);
    return [await record(r, 'working-wait', { state: 'working', rule: 'cline/working', near_miss: ['cline/idle'] }, false)];
  }),

  // Approved with "y", the command runs: its item keeps the spinner.
  scenario('working-command', { turns: [withText('Running the slow test suite.', commands('sleep 60'))] }, async (r) => {
    await ready(r);
    await ask(r, 'Run the slow test suite');
    await waitApproval(r, /\$ sleep 60/, 'the approval panel');
    await r.t.keys(r.pane, 'y');
    await r.t.waitFor(r.pane, (s) => !approval(s) && busy(s), 'the running command', 20_000);
    await sleep(2_000);
    return [await record(r, 'working-command', { state: 'working', rule: 'cline/working', near_miss: ['cline/idle', 'cline/command-approval'] }, false)];
  }),

  scenario('command-approval', { turns: [withText('Cleaning the build directory.', commands('rm -rf build/'))] }, async (r) => {
    await ready(r);
    await ask(r, 'Clean the build directory');
    await waitApproval(r, /\$ rm -rf build\//, 'the command approval');
    return [await record(r, 'command-approval', { state: 'permission_approval', rule: 'cline/command-approval', near_miss: ['cline/edit-approval', 'cline/tool-approval', 'cline/working'] })];
  }),

  scenario('command-approval-multi', { turns: [commands('npm ci', 'npm test -- --runInBand')] }, async (r) => {
    await ready(r);
    await ask(r, 'Install and run the tests');
    await waitApproval(r, /\$ npm (ci|test)/, 'the command approval');
    return [await record(r, 'command-approval-multi', { state: 'permission_approval', rule: 'cline/command-approval', near_miss: ['cline/edit-approval'] })];
  }),

  scenario(
    'edit-approval',
    { turns: [{ kind: 'tool_calls', text: 'I will add a release checklist.', calls: [{ name: 'apply_patch', arguments: { input: patch('RELEASING.md') } }] }] },
    async (r) => {
      await ready(r);
      await ask(r, 'Add a short release checklist');
      await waitApproval(r, /apply_patch.*RELEASING\.md/, 'the patch approval');
      return [await record(r, 'edit-approval', { state: 'permission_approval', rule: 'cline/edit-approval', near_miss: ['cline/command-approval', 'cline/tool-approval'] })];
    },
  ),

  // Plan mode: the model asks to switch to Act mode (approving starts the work).
  scenario(
    'plan-approval',
    {
      args: ['--plan'],
      turns: [
        {
          kind: 'tool_calls',
          text: 'Here is the plan: record the response as a fixture, load it in the test, run the suite three times.',
          calls: [{ name: 'switch_to_act_mode', arguments: {} }],
        },
      ],
    },
    async (r) => {
      await ready(r);
      await ask(r, 'Plan how to fix the flaky test');
      await waitApproval(r, /switch_to_act_mode/, 'the mode switch approval');
      return [await record(r, 'plan-approval', { state: 'permission_approval', rule: 'cline/tool-approval', near_miss: ['cline/command-approval', 'cline/edit-approval'] })];
    },
  ),

  scenario(
    'ask-question',
    {
      turns: [
        {
          kind: 'tool_calls',
          calls: [{ name: 'ask_question', arguments: { question: 'How should the flaky test be fixed?', options: ['Retry the network call', 'Replace it with a local fixture'] } }],
        },
      ],
    },
    async (r) => {
      await ready(r);
      await ask(r, 'Plan the flaky test fix');
      await r.t.waitFor(r.pane, (s) => /Type a response/.test(s) && />\s+Retry the network call/.test(s), 'the question panel', 45_000);
      return [await record(r, 'ask-question', { state: 'question', rule: 'cline/ask-question', near_miss: ['cline/tool-approval', 'cline/working', 'cline/idle'] })];
    },
  ),

  // No provider: "Connect a model provider", then the provider list, then the API key field.
  scenario('sign-in', { provider: false }, async (r) => {
    await r.t.waitFor(r.pane, /Bring your own provider/, 'the sign-in menu', 60_000);
    await r.t.settle(r.pane, 800);
    const out = [await record(r, 'sign-in', { state: 'question', rule: 'cline/sign-in', near_miss: ['cline/idle', 'cline/notice'] })];
    await keysUntil(r, ['Down', 'Down', 'Down'], /⚷ Bring your own provider\s+→/, 'the last option selected');
    await r.t.keys(r.pane, 'Enter');
    await r.t.waitFor(r.pane, /Search providers/, 'the provider list', 15_000);
    await r.t.settle(r.pane, 800);
    out.push(await record(r, 'sign-in-provider', { state: 'question', rule: 'cline/sign-in', near_miss: ['cline/api-key-entry'] }));
    await r.t.type(r.pane, 'deepseek');
    await r.t.waitFor(r.pane, /❯ DeepSeek/, 'DeepSeek selected', 10_000);
    await r.t.keys(r.pane, 'Enter');
    await r.t.waitFor(r.pane, /Paste your API key/, 'the API key field', 15_000);
    out.push(await record(r, 'sign-in-api-key', { state: 'question', rule: 'cline/api-key-entry', near_miss: ['cline/sign-in', 'cline/idle'] }));
    return out;
  }),

  scenario('error-auth', { turns: [unauthorized] }, async (r) => {
    await ready(r);
    await ask(r, PROSE.done.prompt);
    await r.t.waitFor(r.pane, (s) => /\* Error: /.test(s) && idle(s), 'the 401 error', 45_000);
    return [await record(r, 'error-auth', { state: 'error', rule: 'cline/error-api', near_miss: ['cline/idle'] })];
  }),

  // 429s are retried under "Thinking..." until Cline gives up (about six attempts).
  scenario('error-rate-limit', { turns: Array.from({ length: 12 }, () => rateLimit) }, async (r) => {
    await ready(r);
    await ask(r, PROSE.done.prompt);
    await r.t.waitFor(r.pane, (s) => /\* Error: /.test(s) && idle(s), 'the final 429', 150_000);
    return [await record(r, 'error-rate-limit', { state: 'error', rule: 'cline/error-api', near_miss: ['cline/working', 'cline/idle'] })];
  }),

  scenario('error-then-answer', { turns: [unauthorized, { kind: 'text', text: RETRY_ANSWER }] }, async (r) => {
    await ready(r);
    await ask(r, PROSE.done.prompt);
    await r.t.waitFor(r.pane, (s) => /\* Error: /.test(s) && idle(s), 'the 401 error', 45_000);
    await ask(r, 'Try again please');
    await r.t.waitFor(r.pane, (s) => /All 14 tests pass\./.test(s) && idle(s), 'the answer', 45_000);
    return [await record(r, 'error-then-answer', { state: 'idle', rule: 'cline/idle', near_miss: ['cline/error-api'] })];
  }),

  // Denied with "n": the tool result says so (an indented "Error: ... rejected by the user"), then the answer.
  scenario('denied', { turns: [commands('rm -rf build/'), { kind: 'text', text: 'Understood, I left the build directory alone.' }] }, async (r) => {
    await ready(r);
    await ask(r, 'Clean the build directory');
    await waitApproval(r, /\$ rm -rf build\//, 'the command approval');
    await r.t.keys(r.pane, 'n');
    await r.t.waitFor(r.pane, (s) => /left the build directory alone/.test(flatten(s)) && idle(s), 'the answer', 45_000);
    return [await record(r, 'denied', { state: 'idle', rule: 'cline/idle', near_miss: ['cline/error-api', 'cline/command-approval'] })];
  }),

  // Escape while the answer streams: the turn stops, the REPL waits.
  scenario('interrupted', { turns: [{ kind: 'text', text: STREAMING, chunkDelayMs: 700 }] }, async (r) => {
    await ready(r);
    await ask(r, 'Describe the repository');
    await r.t.waitFor(r.pane, (s) => /no source code/.test(s) && busy(s), 'streaming text', 30_000);
    await r.t.keys(r.pane, 'Escape');
    await r.t.waitFor(r.pane, idle, 'the idle REPL', 15_000);
    return [await record(r, 'interrupted', { state: 'idle', rule: 'cline/idle', near_miss: ['cline/working', 'cline/idle-question'] })];
  }),

  // One Ctrl-C quits and prints a session summary ending in "Continue  cline --id <id>".
  scenario('exited', { turns: [{ kind: 'text', text: PROSE.done.text }] }, async (r) => {
    await answered(r, PROSE.done.prompt, PROSE.done.tail);
    await r.t.keys(r.pane, 'C-c');
    await waitDead(r);
    return [await record(r, 'exited', { state: 'exited', rule: 'generic/pane-dead', near_miss: ['cline/idle'] })];
  }),

  // Quit at the approval panel (one Ctrl-C), then `cline --id <id>` from the summary: the resumed
  // REPL shows the cut-off tool call as " x run_commands(...)" with the rejection under it.
  scenario('resumed', { turns: [commands('rm -rf build/')] }, async (r) => {
    await ready(r);
    await ask(r, 'Clean the build directory');
    await waitApproval(r, /\$ rm -rf build\//, 'the command approval');
    await r.t.keys(r.pane, 'C-c');
    await waitDead(r);
    const id = /Continue\s+cline --id (\S+)/.exec(await r.t.capture(r.pane))?.[1];
    if (!id) throw new Error('no resume id in the session summary');
    const pane = await r.t.newSession({ width: r.size.w, height: r.size.h, cwd: r.work, env: r.env, argv: [clineBin(), ...clineArgs(), '--id', id] });
    try {
      const second = { ...r, pane };
      await ready(second);
      await r.t.waitFor(pane, (s) => /run_commands\(rm -rf build\/\)/.test(s) && idle(s), 'the resumed session', 30_000);
      return [await record(second, 'resumed', { state: 'idle', rule: 'cline/idle', near_miss: ['cline/error-api', 'cline/working'] })];
    } finally {
      await r.t.killPaneTree(pane);
    }
  }),

  scenario('exited-shell', { shell: true, turns: [{ kind: 'text', text: PROSE.done.text }] }, async (r) => {
    await r.t.waitFor(r.pane, /[$#]\s*$/m, 'the shell prompt', 10_000);
    await r.t.type(r.pane, [clineBin(), ...clineArgs()].join(' '));
    await r.t.keys(r.pane, 'Enter');
    await answered(r, PROSE.done.prompt, PROSE.done.tail);
    await r.t.keys(r.pane, 'C-c');
    await r.t.waitFor(r.pane, async (s) => (await r.t.facts(r.pane)).command === 'bash' && /[$#]$/.test(s.trimEnd()), 'the shell prompt again', 20_000);
    return [await record(r, 'exited-shell', { state: 'exited', rule: 'cline/exited', near_miss: ['cline/idle'] })];
  }),
];

/** Scenarios also recorded at 200x50. */
const LARGE = /^(idle-answer|idle-fresh|command-approval|edit-approval|ask-question|working-streaming|error-auth)$/;

export async function recordCline(opts: RecordOptions = {}): Promise<{ recorded: string[]; failed: string[] }> {
  if (opts.sizes) return runScenarios(clineScenarios, opts, []);
  const small = await runScenarios(clineScenarios, opts, [
    { w: 120, h: 40 },
    { w: 80, h: 24 },
  ]);
  const large = await runScenarios(clineScenarios.filter((s) => LARGE.test(s.name)), { ...opts, sizes: [{ w: 200, h: 50 }] }, []);
  return { recorded: [...small.recorded, ...large.recorded], failed: [...small.failed, ...large.failed] };
}

