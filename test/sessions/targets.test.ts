// No command can reach another session through tmux prefix matching: with worker-1 gone and
// worker-10 alive, nothing typed for worker-1 arrives in worker-10.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSandbox, type Sandbox } from './support.js';

let sb: Sandbox;
let out10: string;
const receiver = resolve('test/sessions/programs/receiver.mjs');
const registryFile = () => join(sb.stateDir, 'kage-bunshin', 'registry-default.json');

beforeAll(async () => {
  sb = await makeSandbox({ git: false });
  out10 = join(sb.repo, 'w10.bin');
  const a = await sb.kb(['spawn', '--name', 'worker-1', '--agent', `${process.execPath} ${receiver} ${join(sb.repo, 'w1.bin')}`]);
  const b = await sb.kb(['spawn', '--name', 'worker-10', '--agent', `${process.execPath} ${receiver} ${out10}`]);
  expect(a.exitCode, a.stderr).toBe(0);
  expect(b.exitCode, b.stderr).toBe(0);
  sb.tmux('kill-session', '-t', '=worker-1');
});
afterAll(async () => {
  await sb.cleanup();
});

async function expectNothingReachesWorker10(): Promise<void> {
  for (const args of [
    ['send', '--name', 'worker-1', 'LEAK'],
    ['send', '--name', 'worker-1', '--force', 'LEAK'],
    ['send', '--name', 'worker-1', '--keys', 'x', 'Enter'],
    ['read', '--name', 'worker-1'],
  ]) {
    const r = await sb.kb(args);
    expect(r.exitCode, `${args.join(' ')}: ${r.stdout}`).toBe(1);
    expect(r.stderr).toMatch(/session "worker-1" is gone/);
    expect(r.stderr).toMatch(/fix: /);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  }
  expect(readFileSync(out10, 'utf8')).toBe('');
  const status = JSON.parse((await sb.kb(['status', '--name', 'worker-1'])).stdout) as Record<string, unknown>;
  expect(status).toMatchObject({ alive: false, status: 'dead' });
}

describe('targets', () => {
  it('worker-1 gone, worker-10 alive: send, send --keys and read fail and reach nothing', async () => {
    await expectNothingReachesWorker10();
  });

  it('a legacy entry without pane_id is served through =session:, never by prefix', async () => {
    const registry = JSON.parse(readFileSync(registryFile(), 'utf8'));
    delete registry['worker-1'].pane_id;
    delete registry['worker-1'].socket;
    registry['worker-1'].repo_dir = '/legacy';
    writeFileSync(registryFile(), JSON.stringify(registry));
    await expectNothingReachesWorker10();
  });

  it("a stale pane id that now belongs to worker-10's pane is refused", async () => {
    const registry = JSON.parse(readFileSync(registryFile(), 'utf8'));
    registry['worker-1'].pane_id = registry['worker-10'].pane_id;
    writeFileSync(registryFile(), JSON.stringify(registry));
    await expectNothingReachesWorker10();
  });

  it('stop and kill of the gone session leave worker-10 running; forget removes the entry', async () => {
    const stopped = await sb.kb(['stop', '--name', 'worker-1', '--timeout', '2']);
    expect(stopped.exitCode, stopped.stderr).toBe(0);
    expect(JSON.parse(stopped.stdout)).toMatchObject({ status: 'stopped', forced: false, worktree: null });
    const killed = await sb.kb(['kill', '--name', 'worker-1']);
    expect(JSON.parse(killed.stdout)).toEqual({ status: 'killed', name: 'worker-1', worktree: null });
    const status10 = JSON.parse((await sb.kb(['status', '--name', 'worker-10'])).stdout);
    expect(status10.alive).toBe(true);
    expect(readFileSync(out10, 'utf8')).toBe('');
    const forgot = await sb.kb(['forget', '--name', 'worker-1']);
    expect(JSON.parse(forgot.stdout)).toEqual({ status: 'forgotten', name: 'worker-1' });
    const registry = JSON.parse(readFileSync(registryFile(), 'utf8'));
    expect(Object.keys(registry)).toEqual(['worker-10']);
    // a running session cannot be forgotten
    const refused = await sb.kb(['forget', '--name', 'worker-10']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/still running/);
  });

  it('unknown names and bad names are clear errors', async () => {
    const missing = await sb.kb(['status', '--name', 'nope']);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/no session named "nope"/);
    expect(missing.stderr).toMatch(/registered: worker-10/);
    const bad = await sb.kb(['send', '--name', 'a.b', 'x']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/invalid --name "a\.b"/);
  });

  it('list and status tolerate sparse legacy entries (and keep their fields)', async () => {
    const registry = JSON.parse(readFileSync(registryFile(), 'utf8'));
    registry.old = { tmux_session: 'old-session', repo_dir: '/legacy' };
    registry.bare = {};
    writeFileSync(registryFile(), JSON.stringify(registry));
    const list = await sb.kb(['list', '--json']);
    expect(list.exitCode, list.stderr).toBe(0);
    const rows = JSON.parse(list.stdout) as Record<string, unknown>[];
    expect(rows.find((r) => r.name === 'old')).toMatchObject({ alive: false, status: 'dead', age: '0s' });
    expect(rows.find((r) => r.name === 'bare')).toMatchObject({ alive: false, status: 'dead' });
    expect((await sb.kb(['forget', '--name', 'old'])).exitCode).toBe(0);
    expect(JSON.parse(readFileSync(registryFile(), 'utf8')).bare).toEqual({ name: 'bare' });
  });
});
