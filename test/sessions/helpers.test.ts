// Pure helpers of the session commands, driven by the built-in agent profiles, on screens
// captured from the real programs.
import { describe, expect, it } from 'vitest';
import { loadStack } from '../../src/agents/stack.js';
import { buildLaunch } from '../../src/agents/launch.js';
import { UsageError } from '../../src/errors.js';
import { optionNear, optionText, selectedLine } from '../../src/sessions/dialogs.js';
import { environmentCommands, planEnvironment, tmuxQuote } from '../../src/sessions/launch-env.js';
import { inputLines, messageHead, squash } from '../../src/sessions/send.js';
import { nameFromPrompt, parseSize, resolveAgent, worktreeOnScreen } from '../../src/sessions/spawn.js';
import { formatAge } from '../../src/sessions/status.js';
import { findResumeCommand, findResumeId } from '../../src/sessions/stop.js';
import { entryAgentName } from '../../src/sessions/target.js';
import { parseKey } from '../../src/tmux/keys.js';
import { TmuxKeyError } from '../../src/tmux/errors.js';
import { literalArg } from '../../src/tmux/session.js';
import type { RegistryEntry } from '../../src/sessions/registry.js';

const stack = loadStack();
const agent = (name: string) => stack.agents.get(name);
const ctx = { stack: () => stack };

const RULE = '─'.repeat(120);
// Claude Code 2.1.330, idle with typed text (captured in a 120x40 pane).
const TYPED = [
  ' ▐▛███▛█   Claude Code v2.1.330',
  '▝▜██████▀  Opus 5.5 · API Usage Billing',
  '',
  RULE,
  '❯ please write the file',
  RULE,
  '  ⏸ manual mode on',
];
// Claude Code 2.1.330 leaving a worktree with an uncommitted file.
const KEEP = [
  RULE,
  '  Exiting worktree session',
  '  You have 1 uncommitted file. These will be lost if you remove the worktree.',
  '',
  '  ❯ 1. Keep worktree    Stays at /tmp/kbx-repo-4PzPeC/.claude/worktrees/w1',
  '    2. Remove worktree  All changes and commits will be lost.',
  '',
  '  Enter to confirm · Esc to cancel',
];
// Claude Code 2.1.330 workspace trust (unnumbered options, "No, exit" selected).
const TRUST = [
  ' Accessing workspace:',
  ' /tmp/repo',
  " Claude Code'll be able to read, edit, and execute files here.",
  ' Security guide',
  ' ❯ No, exit',
  '   Yes, I trust this folder',
  ' Enter to confirm · Esc to cancel',
];
const entry = (agent?: string): RegistryEntry => ({ name: 'x', model: null, spawned_at: '', worktree: null, tmux_session: 'x', ...(agent === undefined ? {} : { agent }) });

describe('screen helpers, from the profiles', () => {
  it("finds Claude Code's input box between the last two rules", () => {
    expect(inputLines(agent('claude'), { lines: TYPED, pane: null })).toEqual(['❯ please write the file']);
    expect(inputLines(agent('claude'), { lines: [...TYPED.slice(0, 4), '❯ ', RULE, '  ? for shortcuts'], pane: null })).toEqual(['❯ ']);
    expect(inputLines(agent('claude'), { lines: ['$ ls', 'a b'], pane: null })).toEqual([]);
  });

  it("a shell's input field is the cursor line (the last line in a saved capture)", () => {
    const lines = ['$ echo hi', 'hi', '$ ls -l'];
    expect(inputLines(agent('shell'), { lines, pane: null })).toEqual(['$ ls -l']);
    const pane = { cursorY: 1 } as Parameters<typeof inputLines>[1]['pane'];
    expect(inputLines(agent('shell'), { lines, pane })).toEqual(['hi']);
    expect(inputLines(agent('shell'), { lines: [...lines, ''], pane: { cursorY: 3 } as typeof pane })).toEqual([]);
  });

  it('finds the selected option and the one a pattern wants, without taking "No, exit"', () => {
    const sel = selectedLine(TRUST);
    expect(TRUST[sel]).toBe(' ❯ No, exit');
    const accept = agent('claude').dialogs.get('claude-code/workspace-trust')!.accept!;
    expect(TRUST[optionNear(TRUST, sel, (t) => accept.test(t))]).toBe('   Yes, I trust this folder');
    expect(KEEP[selectedLine(KEEP)]).toMatch(/Keep worktree/);
    expect(optionText('  ❯ 1. Keep worktree    Stays at /tmp')).toBe('Keep worktree    Stays at /tmp');
  });

  it("reads the worktree path from Claude Code's banner", () => {
    const banner = [' ▐▛███▛█   Claude Code v2.1.330', '▝▜██████▀  Opus 5.5 · API Usage Billing', ' ▝▝   ▝▝   /tmp/kbx-repo-4PzPeC/.claude/worktrees/w1'];
    const launch = (name: string) => ({ ...buildLaunch(agent('claude'), { name, cwd: process.cwd(), env: { IS_SANDBOX: '1' }, isRoot: false }) });
    expect(worktreeOnScreen(banner, launch('w1'))).toBe('/tmp/kbx-repo-4PzPeC/.claude/worktrees/w1');
    expect(worktreeOnScreen(banner, launch('w'))).toBeNull();
  });

  it('reads resume ids and the whole resume command line, without box drawing around it', () => {
    const claude = agent('claude');
    expect(findResumeId(claude, 'Resume this session with:\nclaude --resume 54bdc9ed-5086-4af1-a0aa-9f5e16bcf24e\n')).toBe('54bdc9ed-5086-4af1-a0aa-9f5e16bcf24e');
    expect(findResumeId(agent('codex'), 'To continue this session, run codex resume 01a20c61-9510-77a3-9b0a-ea80f76acc4a')).toBe('01a20c61-9510-77a3-9b0a-ea80f76acc4a');
    expect(findResumeId(claude, 'nothing here')).toBeNull();
    // Claude Code 2.1.197 after leaving a kept worktree:
    const exit197 = 'Resume this session with:\nclaude --worktree w1 --resume e98fd58f-5229-4bd3-a814-ecbd702bf58a\n';
    expect(findResumeCommand(claude, exit197, 'e98fd58f-5229-4bd3-a814-ecbd702bf58a')).toBe('claude --worktree w1 --resume e98fd58f-5229-4bd3-a814-ecbd702bf58a');
    // 2.1.330 puts its flags first:
    const exit330 = 'Resume this session with:\nclaude --permission-mode default --worktree "w1" --resume 3f1c9ab0-1b2c-4d5e-8f90-a1b2c3d4e5f6\n';
    expect(findResumeId(claude, exit330)).toBe('3f1c9ab0-1b2c-4d5e-8f90-a1b2c3d4e5f6');
    expect(findResumeCommand(claude, exit330, '3f1c9ab0-1b2c-4d5e-8f90-a1b2c3d4e5f6')).toBe('claude --permission-mode default --worktree "w1" --resume 3f1c9ab0-1b2c-4d5e-8f90-a1b2c3d4e5f6');
    // Gemini CLI 0.61 prints it inside a box, padded to the border:
    const gemini = `│ To resume this session: gemini --resume 08195fba-058c-4e03-9ea1-9f70001884d8${' '.repeat(40)}│`;
    const id = findResumeId(agent('gemini'), gemini)!;
    expect(id).toBe('08195fba-058c-4e03-9ea1-9f70001884d8');
    expect(findResumeCommand(agent('gemini'), gemini, id)).toBe('gemini --resume 08195fba-058c-4e03-9ea1-9f70001884d8');
  });

  it('compares typed text with wrapping, margins and borders squashed away', () => {
    expect(messageHead('\n  hello   wide world, this is a long first line\nsecond')).toBe('hellowideworld,thisisalo');
    expect(messageHead('x')).toBe('x');
    expect(squash('│ ❯ hel│\n│ lo  │')).toBe('❯hello');
  });
});

describe('arguments', () => {
  it('escapes only a trailing ; for tmux', () => {
    expect(literalArg('ls;')).toBe('ls\\;');
    expect(literalArg(';')).toBe('\\;');
    expect(literalArg('a;b')).toBe('a;b');
  });

  it('parses keys; an unknown one is the tmux layer\'s own usage error', () => {
    expect(parseKey('enter')).toEqual({ kind: 'named', name: 'Enter' });
    expect(parseKey('Esc')).toEqual({ kind: 'named', name: 'Escape' });
    expect(parseKey('C-C')).toEqual({ kind: 'named', name: 'C-c' });
    expect(parseKey('2')).toEqual({ kind: 'char', char: '2' });
    expect(parseKey('日')).toEqual({ kind: 'char', char: '日' });
    expect(() => parseKey('Entr')).toThrow(TmuxKeyError);
    expect(() => parseKey('Entr')).not.toThrow(UsageError);
  });

  it('derives names and sizes', () => {
    expect(nameFromPrompt('Fix the login redirect bug, please!')).toBe('fix-the-login-redirect-bug');
    expect(nameFromPrompt('日本語')).toBe('session');
    expect(parseSize('200x50')).toEqual({ width: 200, height: 50 });
    expect(() => parseSize('200')).toThrow(UsageError);
  });

  it('formats ages like the original tool', () => {
    expect([45, 300, 7200, 259200].map(formatAge)).toEqual(['45s', '5m', '2h', '3d']);
  });

  it('builds agent command lines from the profiles', () => {
    const req = { name: 'w1', cwd: '/nonexistent-dir', isRoot: true };
    const env = { KB_CLAUDE_BIN: '/pinned/claude' };
    expect(buildLaunch(agent('claude'), { ...req, model: 'opus', maxBudget: '2', permissionMode: 'default', env }).argv).toEqual([
      '/pinned/claude', '--worktree', 'w1', '--model', 'opus', '--max-budget-usd', '2', '--permission-mode', 'default',
    ]);
    expect(buildLaunch(agent('claude'), { ...req, env: { IS_SANDBOX: '1' } }).argv).toEqual(['claude', '--worktree', 'w1', '--dangerously-skip-permissions']);
    expect(() => buildLaunch(agent('claude'), { ...req, env: {} })).toThrow(/as root/);
    expect(buildLaunch(agent('custom'), { ...req, command: 'python3 -i', env: {} }).argv).toEqual(['python3 -i']);
    expect(buildLaunch(agent('codex'), { ...req, model: 'o9', env: { KB_CODEX_BIN: '/x/codex' } }).argv).toEqual(['/x/codex', '--model', 'o9']);
    expect(() => buildLaunch(agent('codex'), { ...req, maxBudget: '1', env: {} })).toThrow(/--max-budget is not supported by --agent codex/);
    expect(() => buildLaunch(agent('shell'), { ...req, permissionMode: 'plan', env: {} })).toThrow(/--permission-mode is not supported by --agent shell/);
    expect(buildLaunch(agent('shell'), { ...req, env: { SHELL: '/bin/zsh' } }).argv).toEqual(['/bin/zsh']);
  });

  it('resolves agents: profile names and aliases, command lines as custom, unknown names as an error listing the known ones', () => {
    expect(resolveAgent(ctx, { agent: 'claude-code' }).agent.name).toBe('claude');
    expect(resolveAgent(ctx, {}).agent.name).toBe('claude');
    expect(resolveAgent(ctx, { agent: 'python3 -i' })).toMatchObject({ agent: { name: 'custom' }, command: 'python3 -i' });
    expect(resolveAgent(ctx, { command: 'htop' })).toMatchObject({ agent: { name: 'custom' }, command: 'htop' });
    expect(() => resolveAgent(ctx, { agent: 'claud' })).toThrow(/unknown agent "claud"/);
    expect(() => resolveAgent(ctx, { agent: 'codex', command: 'x' })).toThrow(/--command goes with no --agent/);
    expect(entryAgentName(entry(), 'claude')).toBe('claude');
    expect(entryAgentName(entry('codex'), 'claude')).toBe('codex');
    expect(entryAgentName(entry('/usr/bin/python3 -i'), 'claude')).toBe('custom');
  });
});

describe('the environment never goes on a command line', () => {
  it('plans only the differences, drops CI markers, hides what the caller does not have', () => {
    const server = new Map([['HOME', '/h'], ['SAME', '1'], ['ONLY_SERVER', 'x'], ['CI', 'true']]);
    const plan = planEnvironment(server, { HOME: '/h', SAME: '1', NEW: 'v', CI: 'true', TERM: 'dumb' }, { extra: { ADDED: 'a' }, drop: ['NEW'] });
    expect(plan.set).toEqual({ ADDED: 'a' });
    expect(plan.unset.sort()).toEqual(['CI', 'CONTINUOUS_INTEGRATION', 'GITHUB_ACTIONS', 'NEW', 'ONLY_SERVER'].sort());
  });

  it('quotes any value for tmux source-file: $, quotes, backslashes, newlines, controls', () => {
    expect(tmuxQuote('a$HOME "q" \\ ;')).toBe('"a\\$HOME \\"q\\" \\\\ ;"');
    expect(tmuxQuote('x\ny\tz\u0001')).toBe('"x\\ny\\tz\\001"');
    expect(environmentCommands('w1', { set: { K: 'v' }, unset: ['U'] })).toEqual(['set-environment -r -t =w1 U', 'set-environment -t =w1 K "v"']);
  });
});
