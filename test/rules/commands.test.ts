// The rule authors' commands as a user runs them: built CLI, real files, exit codes.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { builtinFixturesDir } from '../../src/rules/paths.js';
import { jsonLines, runCli } from '../support/cli.js';

const PERMISSION = join(builtinFixturesDir(), 'claude', 'bash-permission-2.1.330-120x40.pane');
const IDLE = join(builtinFixturesDir(), 'claude', 'idle-fresh-2.1.330-120x40.pane');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kb-rulecmd-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('kb classify', () => {
  it('prints one JSON line per file in argument order, stdin as -, and reports unreadable files at the end with exit 1', async () => {
    const r = await runCli(['classify', '--agent', 'claude', PERMISSION, join(dir, 'missing.pane'), '-', IDLE], {
      input: readFileSync(PERMISSION, 'utf8'),
    });
    expect(r.exitCode).toBe(1);
    const lines = jsonLines(r.stdout);
    expect(lines.map((l) => [l.file, l.state ?? l.error])).toEqual([
      [PERMISSION, 'permission_approval'],
      [join(dir, 'missing.pane'), 'no such file'],
      ['-', 'permission_approval'],
      [IDLE, 'idle'],
    ]);
    expect(lines[0]).toMatchObject({ rule: 'claude-code/tool-permission', needs_intervention: true, answer: 'keys' });
    expect(lines[3]).toMatchObject({ rule: 'claude-code/idle', needs_intervention: false, answer: 'none' });
    expect(r.stderr).toBe('');
  });

  it('--agent selects the pack: a Claude dialog is not read by the shell rules', async () => {
    const r = await runCli(['classify', '--agent', 'shell', PERMISSION]);
    expect(jsonLines(r.stdout)[0]).toMatchObject({ state: 'unknown', rule: null });
  });

  it('a missing file argument is a usage error', async () => {
    const r = await runCli(['classify']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/missing required argument/);
  });
});

describe('kb rules test', () => {
  it('passes on the built-in corpus and ends with the N passed, N failed line', async () => {
    const r = await runCli(['rules', 'test']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim().split('\n').pop()).toMatch(/^\d+ passed, 0 failed$/);
  });

  it('a user rule with a built-in id replaces it, and each mismatch names expected and actual state and rule', async () => {
    const user = join(dir, 'rules');
    mkdirSync(user);
    writeFileSync(
      join(user, 'override.yaml'),
      `rules:
  - id: claude-code/idle
    state: working
    priority: 100
    applies_to: ['claude*']
    region: { below: { regex: '^─{10,}$', nth: 2 }, first: 1 }
    match: { regex: '^❯' }
    answer: none
`,
    );
    const r = await runCli(['rules', 'test', user]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/FAIL .*idle-fresh-2\.1\.330-120x40\.pane: expected idle \(claude-code\/idle\), got working \(claude-code\/idle\)/);
    expect(r.stdout.trim().split('\n').pop()).toMatch(/^\d+ passed, [1-9]\d* failed$/);
  });

  it('runs fixtures found in a user directory, with their expectations', async () => {
    const user = join(dir, 'mine');
    mkdirSync(user);
    copyFileSync(PERMISSION, join(user, 'screen.pane'));
    writeFileSync(
      join(user, 'screen.yaml'),
      'agent: claude\nprogram: claude\nversion: 2.1.330\nsize: 120x40\nstate: idle\nrule: claude-code/idle\n',
    );
    const r = await runCli(['rules', 'test', user]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/FAIL .*screen\.pane: expected idle \(claude-code\/idle\), got permission_approval \(claude-code\/tool-permission\)/);
  });

  it('a fixture without its expectation file is reported', async () => {
    const user = join(dir, 'lonely');
    mkdirSync(user);
    copyFileSync(IDLE, join(user, 'alone.pane'));
    const r = await runCli(['rules', 'test', '--fixtures', user]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/alone\.pane: no expectation file/);
  });
});
