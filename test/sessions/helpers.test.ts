// Pure helpers of the session commands, on screens captured from real Claude Code.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { classifierAgent, buildLaunch } from '../../src/sessions/agents.js';
import { acceptingLine, selectedLine } from '../../src/sessions/dialogs.js';
import { inputRegion } from '../../src/sessions/send.js';
import { nameFromPrompt, parseSize, worktreeOnScreen } from '../../src/sessions/spawn.js';
import { formatAge } from '../../src/sessions/status.js';
import { findResumeCommand, findResumeId } from '../../src/sessions/stop.js';
import { parseKey } from '../../src/tmux/keys.js';
import { literalArg } from '../../src/tmux/session.js';

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

describe('screen helpers', () => {
  it('finds Claude Code\'s input box between the last two rules', () => {
    expect(inputRegion(TYPED)).toBe('❯ please write the file');
    expect(inputRegion([...TYPED.slice(0, 4), '❯ ', RULE, '  ? for shortcuts'])).toBe('❯ ');
    expect(inputRegion(['$ ls', 'a b'])).toBeNull();
  });

  it('finds the selected option and the accepting one without taking "No, exit"', () => {
    const sel = selectedLine(TRUST);
    expect(TRUST[sel]).toBe(' ❯ No, exit');
    expect(TRUST[acceptingLine(TRUST, sel, 'claude-code/workspace-trust')]).toBe('   Yes, I trust this folder');
    expect(TRUST[acceptingLine(TRUST, sel, null)]).toBe('   Yes, I trust this folder');
    expect(KEEP[selectedLine(KEEP)]).toMatch(/Keep worktree/);
  });

  it("reads the worktree path from Claude Code's banner", () => {
    const banner = [' ▐▛███▛█   Claude Code v2.1.330', '▝▜██████▀  Opus 5.5 · API Usage Billing', ' ▝▝   ▝▝   /tmp/kbx-repo-4PzPeC/.claude/worktrees/w1'];
    expect(worktreeOnScreen(banner, 'w1')).toBe('/tmp/kbx-repo-4PzPeC/.claude/worktrees/w1');
    expect(worktreeOnScreen(banner, 'w')).toBeNull();
  });

  it('reads resume ids', () => {
    expect(findResumeId('Resume this session with:\nclaude --resume 54bdc9ed-5086-4af1-a0aa-9f5e16bcf24e\n')).toBe(
      '54bdc9ed-5086-4af1-a0aa-9f5e16bcf24e',
    );
    expect(findResumeId('To continue this session, run codex resume 01a20c61-9510-77a3-9b0a-ea80f76acc4a')).toBe(
      '01a20c61-9510-77a3-9b0a-ea80f76acc4a',
    );
    expect(findResumeId('nothing here')).toBeNull();
    // Claude Code 2.1.197 after leaving a kept worktree:
    const exit197 = 'Resume this session with:\nclaude --worktree w1 --resume e98fd58f-5229-4bd3-a814-ecbd702bf58a\n';
    expect(findResumeId(exit197)).toBe('e98fd58f-5229-4bd3-a814-ecbd702bf58a');
    expect(findResumeCommand(exit197, 'e98fd58f-5229-4bd3-a814-ecbd702bf58a')).toBe(
      'claude --worktree w1 --resume e98fd58f-5229-4bd3-a814-ecbd702bf58a',
    );
  });
});

describe('arguments', () => {
  it('escapes only a trailing ; for tmux', () => {
    expect(literalArg('ls;')).toBe('ls\\;');
    expect(literalArg(';')).toBe('\\;');
    expect(literalArg('a;b')).toBe('a;b');
  });

  it('parses keys', () => {
    expect(parseKey('enter')).toEqual({ kind: 'named', name: 'Enter' });
    expect(parseKey('Esc')).toEqual({ kind: 'named', name: 'Escape' });
    expect(parseKey('C-C')).toEqual({ kind: 'named', name: 'C-c' });
    expect(parseKey('2')).toEqual({ kind: 'char', char: '2' });
    expect(parseKey('日')).toEqual({ kind: 'char', char: '日' });
    expect(() => parseKey('Entr')).toThrow(UsageError);
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

  it('builds agent command lines', () => {
    const env = { KB_CLAUDE_BIN: '/pinned/claude' };
    expect(buildLaunch('claude', { name: 'w1', model: 'opus', maxBudget: '2', permissionMode: 'default', env, isRoot: true }).command).toEqual([
      '/pinned/claude', '--worktree', 'w1', '--model', 'opus', '--max-budget-usd', '2', '--permission-mode', 'default',
    ]);
    expect(buildLaunch('claude', { name: 'w1', env: { IS_SANDBOX: '1' }, isRoot: true }).command).toEqual([
      'claude', '--worktree', 'w1', '--dangerously-skip-permissions',
    ]);
    expect(() => buildLaunch('claude', { name: 'w1', env: {}, isRoot: true })).toThrow(/as root/);
    expect(buildLaunch('python3 -i', { name: 'p', env: {}, isRoot: false }).command).toEqual(['python3 -i']);
    expect(classifierAgent('/usr/local/bin/claude --model x')).toBe('claude');
    expect(classifierAgent('python3 -i')).toBe('shell');
  });
});
