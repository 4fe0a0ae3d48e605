// No value of the caller's environment appears in any process's argv (readable by every
// local user in ps and /proc/*/cmdline), also when this spawn starts the tmux server; the
// agent still gets it. State files are 0600 in 0700 directories.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { argvsWith } from '../support/procfs.js';
import { makeSandbox, until, type Sandbox } from './support.js';

let sb: Sandbox;
beforeEach(async () => {
  sb = await makeSandbox({ git: false });
});
afterEach(async () => {
  await sb.cleanup();
});

describe('secrets', () => {
  it('a marker secret in the environment is in no argv while spawn starts the server and the agent, and reaches the agent', async () => {
    const secret = `kb-secret-${randomBytes(8).toString('hex')}`;
    const seen = new Set<string>();
    let polls = 0;
    let spawning = true;
    const poller = (async () => {
      while (spawning) {
        for (const hit of argvsWith(secret)) seen.add(hit);
        polls++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    const r = await sb.kb(['spawn', '--name', 's1', '--agent', 'shell', 'echo "got=$KB_TEST_SECRET" > got.txt'], { KB_TEST_SECRET: secret, ANTHROPIC_API_KEY: secret });
    spawning = false;
    await poller;
    expect(r.exitCode, r.stderr).toBe(0);
    expect(polls).toBeGreaterThan(20);
    expect([...seen]).toEqual([]);
    await until('the agent to write it', async () => {
      try {
        return readFileSync(join(sb.repo, 'got.txt'), 'utf8') === `got=${secret}\n`;
      } catch {
        return false;
      }
    });
    // Nor is it left in the tmux session's environment, nor in any file of the state directory.
    expect(sb.tmux('show-environment', '-t', 's1')).not.toContain(secret);
    const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
    for (const f of files(sb.stateDir)) expect(readFileSync(f, 'utf8'), f).not.toContain(secret);
  });

  it('the registry is 0600 and the state directories 0700', async () => {
    expect((await sb.kb(['spawn', '--name', 's2', '--agent', 'shell'])).exitCode).toBe(0);
    const dir = join(sb.stateDir, 'kage-bunshin');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'registry-default.json')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'locks')).mode & 0o777).toBe(0o700);
  });
});
