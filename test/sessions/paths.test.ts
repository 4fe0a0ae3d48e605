import { execFileSync } from 'node:child_process';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { projectSlug, registryPath, resolveStateDir, validateSessionId } from '../../src/state/paths.js';

let base: string;
beforeAll(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'kb-paths-')));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd, stdio: 'ignore' });

describe('state paths', () => {
  it('slugs a path by replacing every /', () => {
    expect(projectSlug('/home/u/app')).toBe('-home-u-app');
  });

  it('--state-dir wins', () => {
    expect(resolveStateDir({ stateDir: '/x/y', cwd: '/tmp', env: { DH_STATE_HOME: '/z' } })).toBe('/x/y');
  });

  it('uses DH_STATE_HOME, else ~/.dh, with the main repo root; a linked worktree maps to its repo', () => {
    const repo = join(base, 'app');
    execFileSync('mkdir', ['-p', join(repo, 'sub')]);
    git(repo, 'init', '-q');
    git(repo, 'commit', '-q', '--allow-empty', '-m', 'init');
    const wt = join(base, 'wt');
    git(repo, 'worktree', 'add', '-q', wt);
    const expected = join('/s', 'projects', projectSlug(repo));
    expect(resolveStateDir({ cwd: join(repo, 'sub'), env: { DH_STATE_HOME: '/s' } })).toBe(expected);
    expect(resolveStateDir({ cwd: wt, env: { DH_STATE_HOME: '/s' } })).toBe(expected);
    expect(resolveStateDir({ cwd: repo, env: { HOME: '/h' } })).toBe(join('/h/.dh/projects', projectSlug(repo)));
  });

  it('outside git uses the current directory', () => {
    expect(resolveStateDir({ cwd: base, env: { DH_STATE_HOME: '/s' } })).toBe(join('/s/projects', projectSlug(base)));
  });

  it('validates the session id', () => {
    expect(validateSessionId(undefined)).toBe('default');
    expect(validateSessionId('orch_1-a')).toBe('orch_1-a');
    for (const bad of ['a/b', '../x', 'a b', 'x'.repeat(65), 'é']) expect(() => validateSessionId(bad)).toThrow(UsageError);
    expect(registryPath('/d', 'o1')).toBe('/d/kage-bunshin/registry-o1.json');
  });
});
