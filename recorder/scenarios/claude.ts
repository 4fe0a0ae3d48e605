/**
 * Claude Code scenarios. Each one drives the real TUI against the mock API to one (or a few)
 * screens and saves them with the state and rule id they must classify as
 * (docs/team-notes.md). See recorder/README.md for how to add one.
 */
import path from 'node:path';
import { askUserQuestionInput as askInput } from '../../test/support/claude-turns.js';
import type { MockTurn } from '../../test/support/mock-anthropic.js';
import { sleep, type ClaudeCtx, type ClaudeScenario, type SaveOptions } from '../lib/claude-harness.js';
import { isBusy, lastLine } from '../lib/screen.js';

/** Main-loop requests carry tools; side calls (titles ...) have none or `tools: []`. */
const hasTools = (body: unknown) => {
  const tools = (body as { tools?: unknown } | undefined)?.tools;
  return Array.isArray(tools) && tools.length > 0;
};

const BIG = ['120x40', '80x24', '200x50'];

const PERMISSION = { state: 'permission_approval', rule: 'claude-code/tool-permission' } as const;

/** Submit a prompt at the idle REPL and wait for a screen. */
async function ask(ctx: ClaudeCtx, prompt: string, until: RegExp, timeoutMs = 30_000): Promise<string> {
  await ctx.waitReady();
  await ctx.submit(prompt);
  return ctx.waitFor(until, { timeoutMs, what: String(until) });
}

/** Wait until the turn finished and the REPL is idle again, and the screen is still. */
async function idleAgain(ctx: ClaudeCtx, marker: string): Promise<void> {
  // The marker may wrap at narrow sizes: compare with whitespace collapsed.
  const flat = (s: string) => s.replace(/\s+/g, ' ');
  await ctx.waitFor((s) => flat(s).includes(flat(marker)) && !isBusy(s), { what: `"${marker}" and an idle REPL`, timeoutMs: 40_000 });
  await ctx.waitReady();
  await ctx.waitStable(800);
}

/** A scenario whose one turn is a text answer: ask, wait for the idle REPL after it, save. */
function answered(o: { name: string; description: string; prompt: string; text: string; until: string; save: SaveOptions }): ClaudeScenario {
  return {
    name: o.name,
    description: o.description,
    turns: () => [{ kind: 'text', text: o.text }],
    drive: async (ctx) => {
      await ctx.waitReady();
      await ctx.submit(o.prompt);
      await idleAgain(ctx, o.until);
      await ctx.save(o.save);
    },
  };
}

const longProse = (n: number) =>
  Array.from({ length: n }, (_, i) =>
    [
      'The parser reads the configuration file line by line and builds a table of sections.',
      'Each section keeps its keys in insertion order so that the writer can round-trip comments.',
      'Errors carry the line number and the column where the unexpected character was found.',
      'The cache layer sits in front of the loader and is invalidated when the file changes on disk.',
    ][i % 4],
  ).join(' ');

const planText = [
  '# Plan: add a --verbose flag',
  '',
  '1. Add a `verbose` option to the argument parser in `src/app.py`.',
  '2. Print each greeting step when the flag is set.',
  '3. Add a test for the new flag and update the README.',
].join('\n');

/** 2.1.330 and later defer rarely used tools: they must be loaded with ToolSearch before a call. */
const deferred = (version: string, name: string): MockTurn[] =>
  version === '2.1.197' ? [] : [{ kind: 'tool_use', name: 'ToolSearch', input: { query: `select:${name}`, max_results: 1 } }];

export const scenarios: ClaudeScenario[] = [
  // ---- permission dialogs -------------------------------------------------------------
  {
    name: 'bash-permission',
    description: 'Bash tool_use in default permission mode: "Do you want to proceed?" menu',
    sizes: BIG,
    turns: () => [
      { kind: 'tool_use', name: 'Bash', text: "I'll clean the build directory first.", input: { command: 'rm -rf dist && mkdir dist', description: 'Recreate the dist directory' } },
    ],
    drive: async (ctx) => {
      await ask(ctx, 'Clean the build output', /Do you want to proceed\?/);
      await ctx.waitStable(600);
      await ctx.save(PERMISSION);
    },
  },
  {
    name: 'write-permission',
    description: 'Write tool_use creating a new file: "Do you want to create hello.py?"',
    sizes: BIG,
    turns: ({ repo }) => [
      { kind: 'tool_use', name: 'Write', input: { file_path: path.join(repo, 'hello.py'), content: 'def main():\n    print("hello")\n\n\nmain()\n' } },
    ],
    drive: async (ctx) => {
      await ask(ctx, 'Create a hello.py script', /Do you want to create/);
      await ctx.waitStable(600);
      await ctx.save(PERMISSION);
    },
  },
  {
    name: 'write-permission-large',
    description: 'Write of a 60-line file: the preview fills the screen above the question',
    turns: ({ repo }) => [
      {
        kind: 'tool_use',
        name: 'Write',
        input: {
          file_path: path.join(repo, 'src/config.py'),
          content: Array.from({ length: 60 }, (_, i) => `SETTING_${String(i + 1).padStart(2, '0')} = os.environ.get("APP_SETTING_${i + 1}", "default-${i + 1}")`).join('\n') + '\n',
        },
      },
    ],
    drive: async (ctx) => {
      await ask(ctx, 'Create a config module', /Do you want to create/);
      await ctx.waitStable(600);
      await ctx.save(PERMISSION);
    },
  },
  {
    name: 'edit-permission',
    description: 'Read then Edit of src/app.py: "Do you want to make this edit to app.py?"',
    sizes: BIG,
    turns: ({ repo }) => [
      { kind: 'tool_use', name: 'Read', input: { file_path: path.join(repo, 'src/app.py') } },
      {
        kind: 'tool_use',
        name: 'Edit',
        input: { file_path: path.join(repo, 'src/app.py'), old_string: 'return "Hello, " + name', new_string: 'return f"Hello, {name}!"' },
      },
    ],
    drive: async (ctx) => {
      await ask(ctx, 'Use an f-string in greet', /Do you want to make this edit/);
      await ctx.waitStable(600);
      await ctx.save(PERMISSION);
    },
  },
  {
    name: 'webfetch-permission',
    description: 'WebFetch tool_use (loaded through ToolSearch on 2.1.330+): fetch permission dialog',
    turns: ({ version }) => [
      ...deferred(version, 'WebFetch'),
      { kind: 'tool_use', name: 'WebFetch', input: { url: 'https://docs.example.com/api/changelog', prompt: 'List the breaking changes in the latest release' } },
    ],
    drive: async (ctx) => {
      await ask(ctx, 'Check the upstream changelog', /Do you want to/);
      await ctx.waitStable(600);
      await ctx.save(PERMISSION);
    },
  },
  {
    name: 'read-outside-permission',
    description: 'Read of a file outside the working directory: read permission dialog',
    turns: () => [{ kind: 'tool_use', name: 'Read', input: { file_path: '/etc/hostname' } }],
    drive: async (ctx) => {
      await ask(ctx, 'What is the hostname of this machine?', /Do you want to/);
      await ctx.waitStable(600);
      await ctx.save(PERMISSION);
    },
  },
  // ---- first-run dialogs --------------------------------------------------------------
  {
    name: 'workspace-trust',
    description: 'Folder not yet trusted (no hasTrustDialogAccepted): workspace trust dialog',
    sizes: BIG,
    trust: false,
    drive: async (ctx) => {
      await ctx.waitFor(/trust/i, { what: 'the trust dialog' });
      await ctx.waitStable(800);
      await ctx.save({ state: 'permission_approval', rule: 'claude-code/workspace-trust' });
    },
  },
  {
    name: 'api-key',
    description: 'ANTHROPIC_API_KEY not yet approved (no customApiKeyResponses): API key dialog',
    sizes: BIG,
    approveKey: false,
    drive: async (ctx) => {
      await ctx.waitFor(/API key/i, { what: 'the API key dialog' });
      await ctx.waitStable(800);
      await ctx.save({ state: 'yes_no_prompt', rule: 'claude-code/api-key' });
    },
  },
  {
    name: 'onboarding',
    description: 'Fresh HOME without hasCompletedOnboarding: the theme picker, then the security notes',
    sizes: BIG,
    onboarding: false,
    drive: async (ctx) => {
      await ctx.waitFor(/Choose the text style/, { what: 'the theme picker' });
      await ctx.waitStable(800);
      await ctx.save({ variant: 'theme', state: 'question', rule: 'claude-code/onboarding' });
      await ctx.keys('Enter');
      await ctx.waitFor(/Press Enter to continue/, { what: 'the security notes' });
      await ctx.waitStable(800);
      await ctx.save({ variant: 'security', state: 'question', rule: 'claude-code/onboarding' });
    },
  },
  {
    name: 'mcp-server-approval',
    description: 'A repo with an unapproved .mcp.json server: "New MCP server found in this project" dialog at start',
    sizes: BIG,
    files: { '.mcp.json': `${JSON.stringify({ mcpServers: { docs: { command: 'node', args: ['mcp/server.js'] } } }, null, 2)}\n` },
    drive: async (ctx) => {
      await ctx.waitFor(/MCP server/, { what: 'the MCP server dialog' });
      await ctx.waitStable(800);
      await ctx.save({ state: 'permission_approval', rule: 'claude-code/mcp-server' });
    },
  },
  {
    name: 'bypass-permissions',
    description: '--dangerously-skip-permissions on first use (IS_SANDBOX=1 as root): Bypass Permissions dialog',
    sizes: BIG,
    args: () => ['--dangerously-skip-permissions'],
    drive: async (ctx) => {
      await ctx.waitFor(/Bypass Permissions/i, { what: 'the bypass permissions dialog' });
      await ctx.waitStable(800);
      await ctx.save({ state: 'permission_approval', rule: 'claude-code/bypass-permissions' });
    },
  },
  // ---- plan mode, questions -----------------------------------------------------------
  {
    name: 'plan-approval',
    description: 'ExitPlanMode tool_use in --permission-mode plan: plan approval dialog',
    sizes: BIG,
    args: () => ['--permission-mode', 'plan'],
    // As a real model does: write the plan file named in the plan-mode reminder, then ExitPlanMode.
    onRequest: ({ version }) => {
      let script: MockTurn[] | undefined;
      return (body) => {
        if (!hasTools(body)) return undefined;
        if (!script) {
          const planFile = JSON.stringify(body).match(/\/[^"\s\\]*\/\.claude\/plans\/[\w.-]+\.md/)?.[0];
          script = [
            ...(planFile ? [{ kind: 'tool_use', name: 'Write', input: { file_path: planFile, content: `${planText}\n` } } as MockTurn] : []),
            ...deferred(version, 'ExitPlanMode'),
            { kind: 'tool_use', name: 'ExitPlanMode', input: { plan: planText } },
          ];
        }
        return script.shift();
      };
    },
    drive: async (ctx) => {
      await ask(ctx, 'Plan a --verbose flag', /Would you like to proceed|proceed\?|approve/i);
      await ctx.waitStable(800);
      await ctx.save({ state: 'permission_approval', rule: 'claude-code/plan-approval' });
    },
  },
  {
    name: 'plan-exit-noplan',
    description: 'ExitPlanMode in plan mode without a plan file written: the short "Exit plan mode?" approval',
    args: () => ['--permission-mode', 'plan'],
    turns: ({ version }) => [...deferred(version, 'ExitPlanMode'), { kind: 'tool_use', name: 'ExitPlanMode', input: {} }],
    drive: async (ctx) => {
      await ask(ctx, 'Nothing to plan, just go ahead', /Exit plan mode\?|Would you like to proceed/);
      await ctx.waitStable(800);
      await ctx.save({ state: 'permission_approval', rule: 'claude-code/plan-approval' });
    },
  },
  {
    name: 'ask-single',
    description: 'AskUserQuestion with one single-select question',
    sizes: BIG,
    turns: () => [{ kind: 'tool_use', name: 'AskUserQuestion', input: askInput(false) }],
    drive: async (ctx) => {
      await ask(ctx, 'Add tests for greet', /Enter to select|Type something/);
      await ctx.waitStable(600);
      await ctx.save({ state: 'question', rule: 'claude-code/ask-user-question' });
    },
  },
  {
    name: 'ask-multi',
    description: 'AskUserQuestion with one multi-select question',
    turns: () => [{ kind: 'tool_use', name: 'AskUserQuestion', input: askInput(true) }],
    drive: async (ctx) => {
      await ask(ctx, 'Set up observability', /Enter to select|Type something|Submit/);
      await ctx.waitStable(600);
      await ctx.save({ state: 'question', rule: 'claude-code/ask-user-question' });
    },
  },
  {
    name: 'ask-multi-answered',
    description: 'Multi-select AskUserQuestion with two boxes ticked (Space), then its "Review your answers" submit page',
    turns: () => [{ kind: 'tool_use', name: 'AskUserQuestion', input: askInput(true) }],
    drive: async (ctx) => {
      await ask(ctx, 'Set up observability', /Enter to select/);
      await ctx.waitStable(600);
      await ctx.keys('Space');
      await ctx.waitFor(/\[✔\] Logging/, { what: 'Logging ticked' });
      await ctx.keys('Down');
      await ctx.settle(300);
      await ctx.keys('Space');
      await ctx.waitFor(/\[✔\] Metrics/, { what: 'Metrics ticked' });
      await ctx.waitStable(600);
      await ctx.save({ variant: 'checked', state: 'question', rule: 'claude-code/ask-user-question' });
      // Down to "Submit" (past Tracing and the free-text row), then Enter opens the review page.
      for (let i = 0; i < 6; i++) {
        const s = await ctx.screen();
        if (/❯\s*Submit/.test(s)) break;
        await ctx.keys('Down');
        await ctx.settle(250);
      }
      await ctx.keys('Enter');
      await ctx.waitFor(/Review your answers/, { what: 'the review page' });
      await ctx.waitStable(600);
      await ctx.save({ variant: 'review', state: 'question', rule: 'claude-code/ask-user-question' });
    },
  },
  {
    name: 'ask-two-questions',
    description: 'AskUserQuestion with two questions (tabbed header, Submit tab)',
    turns: () => [
      {
        kind: 'tool_use',
        name: 'AskUserQuestion',
        input: {
          questions: [
            askInput(false).questions[0],
            {
              question: 'Should the tests also measure coverage?',
              header: 'Coverage',
              multiSelect: false,
              options: [
                { label: 'Yes', description: 'Add pytest-cov and fail under 80%' },
                { label: 'No', description: 'Keep the test run fast' },
              ],
            },
          ],
        },
      },
    ],
    drive: async (ctx) => {
      await ask(ctx, 'Add tests for greet', /Enter to select|Type something/);
      await ctx.waitStable(600);
      await ctx.save({ state: 'question', rule: 'claude-code/ask-user-question' });
    },
  },
  {
    name: 'bash-permission-long',
    description: 'Bash permission for a long multi-line command (wraps and pushes the menu down)',
    sizes: ['80x24', '120x40'],
    turns: () => [
      {
        kind: 'tool_use',
        name: 'Bash',
        input: {
          command:
            'for f in $(git ls-files "*.py"); do\n  python -m py_compile "$f" || echo "broken: $f" >> /tmp/compile-report.txt\ndone && git diff --stat origin/main...HEAD -- src/ tests/ docs/ scripts/ | tail -n 20',
          description: 'Compile every Python file and summarise the diff against origin/main',
        },
      },
    ],
    drive: async (ctx) => {
      await ask(ctx, 'Check that everything compiles', /Do you want to proceed\?/);
      await ctx.waitStable(600);
      await ctx.save(PERMISSION);
    },
  },
  // ---- idle ---------------------------------------------------------------------------
  {
    name: 'idle-fresh',
    description: 'The REPL right after start, nothing typed',
    sizes: BIG,
    drive: async (ctx) => {
      await ctx.waitReady();
      await ctx.waitStable(1000);
      await ctx.save({ state: 'idle', rule: 'claude-code/idle' });
    },
  },
  {
    name: 'idle-after-answer',
    description: 'The REPL after a finished answer that ends with a statement',
    sizes: BIG,
    turns: () => [
      { kind: 'text', text: 'I renamed the helper to `format_greeting` and updated both call sites. All tests pass.' },
    ],
    drive: async (ctx) => {
      await ctx.waitReady();
      await ctx.submit('Rename the greeting helper');
      await idleAgain(ctx, 'All tests pass.');
      await ctx.save({ state: 'idle', rule: 'claude-code/idle' });
    },
  },
  {
    name: 'idle-question',
    description: 'Idle REPL whose last assistant message ends with a question',
    sizes: BIG,
    turns: () => [
      { kind: 'text', text: 'I split the parser into three functions and kept the public API unchanged.\n\nShould I also add unit tests for the new helpers?' },
    ],
    drive: async (ctx) => {
      await ctx.waitReady();
      await ctx.submit('Refactor the parser');
      await idleAgain(ctx, 'for the new helpers?');
      await ctx.save({ state: 'question', rule: 'claude-code/idle-question' });
    },
  },
  answered({
    name: 'idle-near-miss-proceed',
    description: 'Idle REPL; the last message quotes "Do you want to proceed?" mid-prose but ends with a statement',
    prompt: 'Add a confirmation to delete',
    text: 'I changed the delete command so that it now asks "Do you want to proceed?" before removing anything. The confirmation is skipped with --yes, and the tests cover both paths.',
    until: 'cover both paths.',
    save: { state: 'idle', rule: 'claude-code/idle', near_miss: ['claude-code/tool-permission', 'claude-code/idle-question'] },
  }),
  answered({
    name: 'idle-question-options',
    description: 'Idle REPL; the last message asks a question followed by a numbered list of options in prose',
    prompt: 'Fix the flaky test',
    text: 'There are two ways to fix the flaky test:\n\n1. Mock the clock so the timeout is deterministic.\n2. Raise the timeout to 30 seconds and keep the real clock.\n\nWhich approach do you prefer?',
    until: 'Which approach do you prefer?',
    save: { state: 'question', rule: 'claude-code/idle-question', near_miss: ['claude-code/ask-user-question', 'claude-code/tool-permission'] },
  }),
  answered({
    name: 'idle-near-miss-menu',
    description: 'Idle REPL; the last message shows a permission dialog inside a code block and ends with a statement',
    prompt: 'What does the permission dialog look like?',
    text: 'When a tool needs approval the dialog looks like this:\n\n```\nDo you want to proceed?\n❯ 1. Yes\n  2. No\n```\n\nPick an option with the arrow keys and press Enter. That is all there is to it.',
    until: 'That is all there is to it.',
    save: { state: 'idle', rule: 'claude-code/idle', near_miss: ['claude-code/tool-permission', 'claude-code/idle-question'] },
  }),
  {
    name: 'history',
    description: 'After two long answers (banner scrolled away): idle, then a Bash permission dialog, then streaming',
    sizes: ['120x40', '80x24', '200x50'],
    turns: () => [
      { kind: 'text', text: `${longProse(16)}\n\n${longProse(12)}` },
      { kind: 'text', text: `${longProse(14)}\n\nThe summary above covers every module.` },
      { kind: 'tool_use', name: 'Bash', text: 'Running the test suite now.', input: { command: 'npm test -- --runInBand', description: 'Run the test suite serially' } },
      { kind: 'text', text: longProse(10), chunkDelayMs: 1500 },
    ],
    drive: async (ctx) => {
      await ctx.waitReady();
      await ctx.submit('Explain the parser');
      await idleAgain(ctx, 'round-trip comments.');
      await ctx.submit('And the cache layer?');
      await idleAgain(ctx, 'covers every module.');
      await ctx.save({ variant: 'idle', state: 'idle', rule: 'claude-code/idle' });
      await ctx.submit('Run the tests');
      await ctx.waitFor(/Do you want to proceed\?/, { what: 'the Bash permission dialog' });
      await ctx.waitStable(600);
      await ctx.save({ variant: 'permission', ...PERMISSION });
      await ctx.keys('Escape');
      await ctx.waitReady();
      await ctx.submit('Summarise instead');
      await ctx.waitFor((x) => isBusy(x) && /The parser reads/.test(x.split('Summarise instead')[1] ?? ''), { what: 'streaming after history' });
      await ctx.settle(1600);
      await ctx.save({ variant: 'working', state: 'working', rule: 'claude-code/working' });
    },
  },
  {
    name: 'idle-background-shell',
    description: 'Turn finished while a run_in_background Bash (sleep 30) still runs: "1 shell still running" at the idle REPL',
    turns: () => [
      { kind: 'tool_use', name: 'Bash', input: { command: 'sleep 30', description: 'Start the dev server', run_in_background: true } },
      { kind: 'text', text: 'The dev server is starting in the background.' },
    ],
    drive: async (ctx) => {
      await ctx.waitReady();
      await ctx.submit('Start the dev server');
      const s = await ctx.waitFor((x) => /Do you want to proceed\?/.test(x) || /starting in the background\./.test(x), { what: 'approval or the answer' });
      if (/Do you want to proceed\?/.test(s)) {
        await ctx.settle(400);
        await ctx.keys('Enter');
      }
      await idleAgain(ctx, 'starting in the background.');
      await ctx.waitFor(/shell still running/, { what: 'the running shell note' });
      await ctx.save({ state: 'idle', rule: 'claude-code/idle' });
    },
  },
  {
    name: 'idle-user-question',
    description: "Idle REPL; the USER's prompt ended with a question mark, the answer is a statement",
    turns: () => [{ kind: 'text', text: 'All 12 tests pass on the main branch, including the two parser tests that were flaky last week.' }],
    drive: async (ctx) => {
      await ctx.waitReady();
      await ctx.submit('Can you check whether the tests pass?');
      await idleAgain(ctx, 'flaky last week.');
      await ctx.save({ state: 'idle', rule: 'claude-code/idle', near_miss: ['claude-code/idle-question'] });
    },
  },
  {
    name: 'idle-slash-menu',
    description: 'Idle REPL with "/co" typed: the slash-command menu drawn under the input box instead of the footer',
    drive: async (ctx) => {
      await ctx.waitReady();
      await ctx.waitStable(600);
      await ctx.type('/co');
      await ctx.waitFor(/\/compact|\/config|\/cost/, { what: 'the command menu' });
      await ctx.waitStable(600);
      await ctx.save({ state: 'idle', rule: 'claude-code/idle' });
    },
  },
  {
    name: 'idle-typed',
    description: 'Idle REPL with typed but unsubmitted text in the input box',
    drive: async (ctx) => {
      await ctx.waitReady();
      await ctx.type('please refactor the parser module to use a state machine');
      await ctx.waitFor('state machine', { what: 'typed text' });
      await ctx.waitStable(600);
      await ctx.save({ state: 'idle', rule: 'claude-code/idle' });
    },
  },
  {
    name: 'idle-paste',
    description: 'Idle REPL with a collapsed multi-line bracketed paste [Pasted text #1 +N lines]',
    drive: async (ctx) => {
      await ctx.waitReady();
      const text = Array.from({ length: 12 }, (_, i) => `line ${i + 1}: TypeError: cannot read properties of undefined (reading 'map')`).join('\n');
      await ctx.paste(text);
      await ctx.waitFor(/\[Pasted text #1/, { what: 'the collapsed paste' });
      await ctx.waitStable(600);
      await ctx.save({ state: 'idle', rule: 'claude-code/idle' });
    },
  },
  {
    name: 'ctrl-c-again',
    description: 'One Ctrl-C at the idle REPL: "Press Ctrl-C again to exit"',
    drive: async (ctx) => {
      await ctx.waitReady();
      await ctx.waitStable(600);
      await ctx.keys('C-c');
      await ctx.waitFor(/Ctrl-C again/i, { what: 'Press Ctrl-C again to exit', timeoutMs: 5000 });
      await ctx.save({ state: 'idle', rule: 'claude-code/idle' });
    },
  },
  // ---- working ------------------------------------------------------------------------
  {
    name: 'working-streaming',
    description: 'Text streaming in slow chunks (esc to interrupt)',
    sizes: BIG,
    turns: () => [{ kind: 'text', text: longProse(12), chunkDelayMs: 1500 }],
    drive: async (ctx) => {
      await ctx.waitReady();
      await ctx.submit('Explain how the parser works');
      await ctx.waitFor((s) => s.includes('The parser reads') && isBusy(s), { what: 'streamed text while busy' });
      await ctx.settle(1600);
      await ctx.save({ state: 'working', rule: 'claude-code/working' });
    },
  },
  {
    name: 'working-thinking',
    description: 'Spinner before the first token arrives',
    sizes: BIG,
    turns: () => [{ kind: 'text', text: 'Here is the answer you asked for.', chunkDelayMs: 25_000 }],
    drive: async (ctx) => {
      await ctx.waitReady();
      await ctx.submit('Why is the build slow?');
      await ctx.waitFor(isBusy, { what: 'the busy spinner' });
      await ctx.settle(2500);
      await ctx.save({ state: 'working', rule: 'claude-code/working' });
    },
  },
  {
    name: 'working-bash',
    description: 'A Bash tool (sleep 20) running, approved first where the version asks',
    sizes: BIG,
    turns: () => [{ kind: 'tool_use', name: 'Bash', input: { command: 'sleep 20', description: 'Wait for the dev server to come up' } }],
    drive: async (ctx) => {
      await ctx.waitReady();
      await ctx.submit('Start the dev server and wait for it');
      // 2.1.330+ treat `sleep` as safe and run it at once; 2.1.197 asks first.
      const s = await ctx.waitFor((x) => /Do you want to proceed\?/.test(x) || (/sleep 20|Wait for the dev server/.test(x) && isBusy(x)), {
        what: 'the permission dialog or the running command',
      });
      if (/Do you want to proceed\?/.test(s)) {
        await ctx.settle(400);
        await ctx.keys('Enter');
        ctx.log('approved sleep 20');
      }
      await ctx.waitFor((x) => !/Do you want to proceed\?/.test(x) && isBusy(x), { what: 'the running command' });
      await ctx.settle(3000);
      await ctx.save({ state: 'working', rule: 'claude-code/working' });
    },
  },
  {
    name: 'working-queued',
    description: 'A second message typed and submitted while the first answer still streams (queued)',
    turns: () => [{ kind: 'text', text: longProse(12), chunkDelayMs: 1500 }],
    drive: async (ctx) => {
      await ctx.waitReady();
      await ctx.submit('Explain how the parser works');
      await ctx.waitFor((s) => s.includes('The parser reads') && isBusy(s), { what: 'streamed text while busy' });
      await ctx.type('then add a section about the cache to the README');
      await ctx.waitFor('about the cache', { what: 'the typed follow-up' });
      await ctx.settle(300);
      await ctx.keys('Enter');
      await ctx.settle(1200);
      await ctx.waitFor(isBusy, { what: 'still busy' });
      await ctx.save({ state: 'working', rule: 'claude-code/working' });
    },
  },
  {
    name: 'working-subagent',
    description: 'An Agent (subagent) tool call whose own request streams slowly',
    turns: () => [
      {
        kind: 'tool_use',
        name: 'Agent',
        input: { description: 'Survey the parser code', prompt: 'Read src/ and describe how parsing works.', subagent_type: 'general-purpose' },
      },
      { kind: 'text', text: longProse(10), chunkDelayMs: 2000 },
    ],
    drive: async (ctx) => {
      await ctx.waitReady();
      await ctx.submit('Have a subagent survey the parser');
      await ctx.waitFor((s) => /Survey the parser code/.test(s) && isBusy(s), { what: 'the running subagent' });
      await ctx.settle(3000);
      await ctx.save({ state: 'working', rule: 'claude-code/working' });
    },
  },
  {
    name: 'working-background-agent',
    description: '2.1.330+ background an Agent call: the main turn ends ("Waiting for 1 background agent to finish"), the input box is free, the subagent still runs',
    versions: ['2.1.330', '2.1.332'],
    sizes: BIG,
    onRequest: () => {
      let mainTools = 0;
      let step = 0;
      return (body) => {
        if (!hasTools(body)) return undefined;
        const n = ((body as { tools: unknown[] }).tools).length;
        if (mainTools === 0) mainTools = n;
        // The subagent's requests carry a smaller tool set than the main loop's.
        if (n !== mainTools) return { kind: 'text', text: longProse(12), chunkDelayMs: 4000 };
        step += 1;
        if (step === 1)
          return {
            kind: 'tool_use',
            name: 'Agent',
            input: { description: 'Survey the parser code', prompt: 'Read src/ and describe how parsing works.', subagent_type: 'general-purpose' },
          };
        return { kind: 'text', text: 'I started a background agent to survey the parser; I will report when it finishes.' };
      };
    },
    drive: async (ctx) => {
      await ctx.waitReady();
      await ctx.submit('Have a subagent survey the parser');
      await ctx.waitFor((s) => /Waiting for 1 background agent/.test(s) && !isBusy(s) && /Survey the parser code\s+\d+s/.test(s), {
        what: 'the idle input with a running background agent',
      });
      await ctx.settle(2500);
      await ctx.save({ state: 'working', rule: 'claude-code/background-agent', near_miss: ['claude-code/idle'] });
    },
  },
  {
    name: 'api-retry',
    description: 'HTTP 529 overloaded answers: the retry countdown',
    sizes: BIG,
    turns: () => Array.from({ length: 12 }, () => ({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' }) as MockTurn),
    drive: async (ctx) => {
      await ctx.waitReady();
      await ctx.submit('Summarise the README');
      await ctx.waitFor(/retry|Retrying|attempt/i, { what: 'the retry notice', timeoutMs: 60_000 });
      await ctx.settle(700);
      await ctx.save({ state: 'working', rule: 'claude-code/api-retry' });
    },
  },
  {
    name: 'working-near-miss',
    description: 'Streaming prose that contains "Do you want to" (still working)',
    turns: () => [
      {
        kind: 'text',
        text: 'The installer asks "Do you want to continue?" before it touches your files, and the prompt is printed by the shell script. ' + longProse(8),
        chunkDelayMs: 1500,
      },
    ],
    drive: async (ctx) => {
      await ctx.waitReady();
      await ctx.submit('What does the installer ask?');
      await ctx.waitFor((s) => s.includes('Do you want to') && isBusy(s), { what: '"Do you want to" while streaming' });
      await ctx.settle(300);
      await ctx.save({ state: 'working', rule: 'claude-code/working', near_miss: ['claude-code/tool-permission'] });
    },
  },
  // ---- errors -------------------------------------------------------------------------
  {
    name: 'auth-error',
    description: 'HTTP 401 authentication_error: the auth error at the REPL',
    sizes: BIG,
    onRequest: () => () => ({ kind: 'error', status: 401, type: 'authentication_error', message: 'invalid x-api-key' }),
    drive: async (ctx) => {
      await ctx.waitReady();
      await ctx.submit('Summarise the README');
      await ctx.waitFor((s) => /API key|authentication|401|login/i.test(s) && !isBusy(s), { what: 'the auth error', timeoutMs: 40_000 });
      await ctx.waitStable(800);
      await ctx.save({ state: 'error', rule: 'claude-code/error-auth' });
    },
  },
  {
    name: 'credit-error',
    description: 'HTTP 400 "credit balance is too low": the billing error at the REPL',
    onRequest: () => (body) =>
      hasTools(body)
        ? {
            kind: 'error',
            status: 400,
            type: 'invalid_request_error',
            message: 'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.',
          }
        : undefined,
    drive: async (ctx) => {
      await ctx.waitReady();
      await ctx.submit('Summarise the README');
      await ctx.waitFor((s) => /Credit balance|credit balance/.test(s) && !isBusy(s), { what: 'the credit error', timeoutMs: 40_000 });
      await ctx.waitReady();
      await ctx.waitStable(800);
      await ctx.save({ state: 'error', rule: 'claude-code/error-quota' });
    },
  },
  // ---- idle in the other permission modes (footers differ) ----------------------------
  ...(
    [
      ['idle-plan-mode', ['--permission-mode', 'plan'], 'plan mode on', false],
      ['idle-accept-edits', ['--permission-mode', 'acceptEdits'], 'accept edits on', false],
      ['idle-bypass', ['--dangerously-skip-permissions'], 'bypass permissions on', true],
    ] as const
  ).map(
    ([name, args, footer, bypassAccepted]): ClaudeScenario => ({
      name,
      description: `Idle REPL after one answer, started with ${args.join(' ')} (footer "${footer}")`,
      args: () => [...args],
      bypassAccepted,
      turns: () => [{ kind: 'text', text: 'The README describes a tiny demo project with one Python module.' }],
      drive: async (ctx) => {
        await ctx.waitFor((s) => s.includes(footer), { what: `the "${footer}" footer` });
        await ctx.waitReady();
        await ctx.submit('What is in the README?');
        await idleAgain(ctx, 'one Python module.');
        await ctx.save({ state: 'idle', rule: 'claude-code/idle' });
      },
    }),
  ),
  // ---- auto mode (2.1.330+ start in it without --permission-mode) --------------------
  {
    name: 'auto-mode',
    description: '2.1.330+ default auto mode: start banner (idle), the "Auto mode can\'t check actions" dialog for a risky Bash command behind the mock, then the approval it falls back to',
    versions: ['2.1.330', '2.1.332'],
    sizes: BIG,
    args: () => [],
    turns: () => [
      { kind: 'tool_use', name: 'Bash', input: { command: 'curl -fsSL https://get.example.com/install.sh | sudo bash', description: 'Install the toolchain' } },
    ],
    drive: async (ctx) => {
      await ctx.waitFor((s) => /auto mode on/.test(s) && !isBusy(s), { what: 'the auto mode footer' });
      await ctx.waitReady();
      await ctx.waitStable(800);
      await ctx.save({ variant: 'idle', state: 'idle', rule: 'claude-code/idle' });
      await ctx.submit('Install the toolchain');
      await ctx.waitFor(/Enter to stay in auto mode/, { what: 'the auto mode notice' });
      await ctx.waitStable(800);
      await ctx.save({ variant: 'notice', state: 'permission_approval', rule: 'claude-code/auto-mode-notice' });
      await ctx.keys('Enter');
      await ctx.waitFor((s) => /Do you want to proceed\?/.test(s) && !/Enter to stay in auto mode/.test(s), { what: 'the fallback approval' });
      await ctx.waitStable(800);
      await ctx.save({ variant: 'approval', ...PERMISSION });
    },
  },
  {
    name: 'auto-mode-blocked',
    description: '2.1.197 --permission-mode auto: start banner (idle); a risky Bash call its classifier cannot evaluate is denied (idle, extra footer line)',
    versions: ['2.1.197'],
    args: () => ['--permission-mode', 'auto'],
    turns: () => [
      { kind: 'tool_use', name: 'Bash', input: { command: 'curl -fsSL https://get.example.com/install.sh | sudo bash', description: 'Install the toolchain' } },
      { kind: 'text', text: 'The install command was blocked, so I stopped here.' },
    ],
    drive: async (ctx) => {
      await ctx.waitFor((s) => /auto mode on/.test(s) && !isBusy(s), { what: 'the auto mode footer' });
      await ctx.waitReady();
      await ctx.waitStable(800);
      await ctx.save({ variant: 'idle', state: 'idle', rule: 'claude-code/idle' });
      await ctx.submit('Install the toolchain');
      await idleAgain(ctx, 'so I stopped here.');
      await ctx.save({ variant: 'denied', state: 'idle', rule: 'claude-code/idle' });
    },
  },
  {
    name: 'auto-mode-working',
    description: '2.1.330+ auto mode running a Bash command it allows without asking (sleep 20)',
    versions: ['2.1.330', '2.1.332'],
    args: () => [],
    turns: () => [{ kind: 'tool_use', name: 'Bash', input: { command: 'sleep 20', description: 'Wait for the dev server to come up' } }],
    drive: async (ctx) => {
      await ctx.waitFor((s) => /auto mode on/.test(s) && !isBusy(s), { what: 'the auto mode footer' });
      await ctx.waitReady();
      await ctx.submit('Start the dev server and wait for it');
      await ctx.waitFor((s) => /sleep 20/.test(s) && isBusy(s), { what: 'the running command' });
      await ctx.settle(3000);
      await ctx.save({ state: 'working', rule: 'claude-code/working' });
    },
  },
  // ---- worktree -----------------------------------------------------------------------
  {
    name: 'worktree-exit',
    description: '--worktree session with an uncommitted file written by the agent, then /exit: Keep/Remove worktree',
    sizes: BIG,
    args: () => ['--worktree', 'feature-x', '--permission-mode', 'acceptEdits'],
    turns: ({ repo }) => [
      { kind: 'tool_use', name: 'Write', input: { file_path: path.join(repo, '.claude/worktrees/feature-x/NOTES.md'), content: '# Notes\n\n- parser refactor planned\n' } },
      { kind: 'text', text: 'I wrote NOTES.md with the plan.' },
    ],
    drive: async (ctx) => {
      await ctx.waitReady();
      await ctx.submit('Write down the plan in NOTES.md');
      await idleAgain(ctx, 'NOTES.md with the plan.');
      await ctx.submit('/exit');
      await ctx.waitFor(/Keep worktree/, { what: 'the worktree exit dialog' });
      await ctx.waitStable(800);
      await ctx.save({ state: 'question', rule: 'claude-code/worktree-exit' });
    },
  },
  {
    name: 'worktree-exit-ctrlc',
    description: 'Same as worktree-exit, leaving with a double Ctrl-C instead of /exit',
    versions: ['2.1.330', '2.1.332'],
    args: () => ['--worktree', 'feature-x', '--permission-mode', 'acceptEdits'],
    turns: ({ repo }) => [
      { kind: 'tool_use', name: 'Write', input: { file_path: path.join(repo, '.claude/worktrees/feature-x/NOTES.md'), content: '# Notes\n' } },
      { kind: 'text', text: 'I wrote NOTES.md.' },
    ],
    drive: async (ctx) => {
      await ctx.waitReady();
      await ctx.submit('Start NOTES.md');
      await idleAgain(ctx, 'I wrote NOTES.md.');
      await ctx.keys('C-c');
      await sleep(300);
      await ctx.keys('C-c');
      await ctx.waitFor(/Keep worktree/, { what: 'the worktree exit dialog' });
      await ctx.waitStable(800);
      await ctx.save({ state: 'question', rule: 'claude-code/worktree-exit' });
    },
  },
  {
    name: 'exit-worktree-remove',
    description: '--worktree session with an uncommitted file; the agent calls ExitWorktree remove + discard_changes: its approval (2.1.332 draws it as a "Remove this worktree?" card; 2.1.197 removes without asking)',
    versions: ['2.1.330', '2.1.332'],
    args: () => ['--worktree', 'feature-x', '--permission-mode', 'acceptEdits'],
    turns: ({ repo, version }) => [
      { kind: 'tool_use', name: 'Write', input: { file_path: path.join(repo, '.claude/worktrees/feature-x/NOTES.md'), content: '# Notes\n' } },
      ...deferred(version, 'ExitWorktree'),
      { kind: 'tool_use', name: 'ExitWorktree', input: { action: 'remove', discard_changes: true } },
    ],
    drive: async (ctx) => {
      await ask(ctx, 'Throw this worktree away', /Remove this worktree\?|Do you want to|Exit(ing)? worktree/);
      await ctx.waitStable(800);
      await ctx.save(PERMISSION);
    },
  },
  {
    name: 'api-retry-429',
    description: 'HTTP 429 rate_limit_error answers: the retry countdown',
    turns: () =>
      Array.from({ length: 12 }, () => ({ kind: 'error', status: 429, type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' }) as MockTurn),
    drive: async (ctx) => {
      await ctx.waitReady();
      await ctx.submit('Summarise the README');
      await ctx.waitFor(/retry|Retrying|attempt/i, { what: 'the retry notice', timeoutMs: 60_000 });
      await ctx.settle(700);
      await ctx.save({ state: 'working', rule: 'claude-code/api-retry' });
    },
  },
  {
    name: 'api-error-final',
    description: '529 overloaded until the retries run out (CLAUDE_CODE_MAX_RETRIES=1): the API error left at the REPL',
    env: { CLAUDE_CODE_MAX_RETRIES: '1' },
    onRequest: () => (body) => (hasTools(body) ? { kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' } : undefined),
    drive: async (ctx) => {
      await ctx.waitReady();
      await ctx.submit('Summarise the README');
      await ctx.waitFor((s) => /API Error|Overloaded|overloaded/.test(s) && !isBusy(s), { what: 'the final API error', timeoutMs: 60_000 });
      await ctx.waitReady();
      await ctx.waitStable(800);
      await ctx.save({ state: 'error', rule: 'claude-code/error-api' });
    },
  },
  {
    name: 'idle-interrupted',
    description: 'Esc while streaming: "Interrupted · What should Claude do instead?" at the idle REPL',
    turns: () => [{ kind: 'text', text: longProse(12), chunkDelayMs: 1500 }],
    drive: async (ctx) => {
      await ctx.waitReady();
      await ctx.submit('Explain how the parser works');
      await ctx.waitFor((s) => s.includes('The parser reads') && isBusy(s), { what: 'streamed text while busy' });
      await ctx.keys('Escape');
      await ctx.waitFor((s) => /Interrupted/.test(s) && !isBusy(s), { what: 'the interrupted notice' });
      await ctx.waitReady();
      await ctx.waitStable(800);
      await ctx.save({ state: 'idle', rule: 'claude-code/idle', near_miss: ['claude-code/idle-question'] });
    },
  },
  {
    name: 'idle-after-reject',
    description: 'Bash permission answered "No" (Esc): the rejected tool at the idle REPL',
    turns: () => [{ kind: 'tool_use', name: 'Bash', input: { command: 'rm -rf dist && mkdir dist', description: 'Recreate the dist directory' } }],
    drive: async (ctx) => {
      await ask(ctx, 'Clean the build output', /Do you want to proceed\?/);
      await ctx.settle(400);
      await ctx.keys('Escape');
      await ctx.waitFor((s) => !/Do you want to proceed\?/.test(s) && !isBusy(s), { what: 'the dialog gone' });
      await ctx.waitReady();
      await ctx.waitStable(800);
      await ctx.save({ state: 'idle', rule: 'claude-code/idle', near_miss: ['claude-code/tool-permission', 'claude-code/idle-question'] });
    },
  },
  {
    name: 'trust-refused',
    description: 'Workspace trust answered "No, exit": claude quits, pane dead (remain-on-exit)',
    trust: false,
    remainOnExit: true,
    drive: async (ctx) => {
      const s = await ctx.waitFor(/No, exit/, { what: 'the trust dialog' });
      await ctx.waitStable(600);
      // 2.1.330+ preselect "No, exit"; 2.1.197 lists it second.
      if (/❯\s*(\d\.\s*)?No, exit/.test(s)) await ctx.keys('Enter');
      else await ctx.keys('Down', 'Enter');
      await ctx.waitDead();
      await ctx.settle(300);
      await ctx.save({ state: 'exited', rule: 'generic/pane-dead' });
    },
  },
  // ---- the binary run directly: pane_current_command is claude.exe --------------------
  {
    name: 'direct-exe',
    description: 'The native binary started by its real path (node_modules/.../claude.exe): pane command claude.exe; idle, then a Bash permission',
    direct: true,
    turns: () => [{ kind: 'tool_use', name: 'Bash', input: { command: 'rm -rf dist && mkdir dist', description: 'Recreate the dist directory' } }],
    drive: async (ctx) => {
      await ctx.waitReady();
      await ctx.waitStable(800);
      await ctx.save({ variant: 'idle', state: 'idle', rule: 'claude-code/idle' });
      await ctx.submit('Clean the build output');
      await ctx.waitFor(/Do you want to proceed\?/, { what: 'the Bash permission dialog' });
      await ctx.waitStable(600);
      await ctx.save({ variant: 'permission', ...PERMISSION });
    },
  },
  // ---- exit ---------------------------------------------------------------------------
  {
    name: 'pane-dead',
    description: 'claude exited (double Ctrl-C after one exchange) as the pane command, remain-on-exit on',
    remainOnExit: true,
    turns: () => [{ kind: 'text', text: 'The README describes a tiny demo project.' }],
    drive: async (ctx) => {
      await ctx.waitReady();
      await ctx.submit('What is in the README?');
      await idleAgain(ctx, 'tiny demo project.');
      await ctx.keys('C-c');
      await sleep(300);
      await ctx.keys('C-c');
      await ctx.waitDead();
      await ctx.settle(300);
      await ctx.save({ state: 'exited', rule: 'generic/pane-dead' });
    },
  },
  {
    name: 'shell-trust-refused',
    description: 'claude started from bash in an untrusted folder, trust refused: back at the shell prompt under the refusal',
    shell: true,
    trust: false,
    drive: async (ctx) => {
      await ctx.waitFor((x) => /[#$]\s*$/.test(lastLine(x)), { what: 'the shell prompt' });
      await ctx.type('claude');
      await ctx.settle(200);
      await ctx.keys('Enter');
      const s = await ctx.waitFor(/No, exit/, { what: 'the trust dialog' });
      await ctx.waitStable(600);
      if (/❯\s*(\d\.\s*)?No, exit/.test(s)) await ctx.keys('Enter');
      else await ctx.keys('Down', 'Enter');
      const deadline = Date.now() + 15_000;
      for (;;) {
        const facts = await ctx.tmux.facts(ctx.pane);
        if (facts.command === 'bash' && /[#$]\s*$/.test(lastLine(await ctx.screen()))) break;
        if (Date.now() > deadline) throw new Error('never got back to the shell prompt');
        await sleep(200);
      }
      await ctx.waitStable(600);
      await ctx.save({ state: 'exited', rule: 'claude-code/exited' });
    },
  },
  {
    name: 'shell-exited',
    description: 'claude started from bash, then exited with double Ctrl-C: back at the shell prompt',
    sizes: BIG,
    shell: true,
    turns: () => [{ kind: 'text', text: 'The README describes a tiny demo project.' }],
    drive: async (ctx) => {
      await ctx.waitFor((x) => /[#$]\s*$/.test(lastLine(x)), { what: 'the shell prompt' });
      await ctx.type('claude --permission-mode default');
      await ctx.settle(200);
      await ctx.keys('Enter');
      await ctx.waitReady();
      await ctx.submit('What is in the README?');
      await idleAgain(ctx, 'tiny demo project.');
      await ctx.keys('C-c');
      await sleep(300);
      await ctx.keys('C-c');
      const deadline = Date.now() + 15_000;
      for (;;) {
        const facts = await ctx.tmux.facts(ctx.pane);
        const s = await ctx.screen();
        if (facts.command === 'bash' && /[#$]\s*$/.test(lastLine(s))) break;
        if (Date.now() > deadline) throw new Error('never got back to the shell prompt');
        await sleep(200);
      }
      await ctx.waitStable(600);
      await ctx.save({ state: 'exited', rule: 'claude-code/exited' });
    },
  },
];
