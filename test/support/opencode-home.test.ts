import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { kiloBin, makeKiloHome } from './kilo-home.js';
import { killProcessesNaming, makeOpencodeHome, opencodeBin, type OpencodeHome } from './opencode-home.js';

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');

const waitGone = async (pid: number) => {
  for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  return !alive(pid);
};

describe('opencode / Kilo temp HOME', () => {
  const homes: OpencodeHome[] = [];
  const children: ChildProcess[] = [];
  afterEach(async () => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
    for (const h of homes.splice(0)) await h.cleanup();
  });

  it('points opencode at the mock, asks before bash and edits, and keeps npm offline', async () => {
    const home = await makeOpencodeHome({ baseUrl: 'http://127.0.0.1:1234/v1' });
    homes.push(home);
    expect(home.configFile).toBe(join(home.home, '.config', 'opencode', 'opencode.json'));
    const config = JSON.parse(readFileSync(home.configFile!, 'utf8'));
    expect(config.model).toBe('mock/gpt-mock');
    expect(config.provider.mock.options.baseURL).toBe('http://127.0.0.1:1234/v1');
    expect(config.permission).toEqual({ bash: 'ask', edit: 'ask' });
    expect(readFileSync(join(home.home, '.npmrc'), 'utf8')).toMatch(/^offline=true$/m);
    expect(home.env).toMatchObject({ HOME: home.home, OPENCODE_DISABLE_AUTOUPDATE: '1', OPENCODE_DISABLE_MODELS_FETCH: '1' });
    // Nothing in env names a path inside HOME (it would reach the tmux server's command line).
    expect(Object.entries(home.env).filter(([k, v]) => k !== 'HOME' && v.includes(home.home))).toEqual([]);
    expect(existsSync(opencodeBin())).toBe(true);
  });

  it('writes no config without a base URL (the no-provider start), and Kilo uses its own names', async () => {
    const bare = await makeOpencodeHome();
    const kilo = await makeKiloHome({ baseUrl: 'http://127.0.0.1:1/v1', permission: { bash: 'allow' } });
    homes.push(bare, kilo);
    expect(bare.configFile).toBeUndefined();
    expect(kilo.configFile).toBe(join(kilo.home, '.config', 'kilo', 'kilo.json'));
    expect(JSON.parse(readFileSync(kilo.configFile!, 'utf8')).permission).toEqual({ bash: 'allow' });
    expect(kilo.env).toMatchObject({ KILO_DISABLE_AUTOUPDATE: '1', KILO_TELEMETRY_LEVEL: 'off' });
    expect(kilo.env.OPENCODE_DISABLE_AUTOUPDATE).toBeUndefined();
    expect(existsSync(kiloBin())).toBe(true);
  });

  it('cleanup ends only the processes whose command line names the HOME, then removes it', async () => {
    const home = await makeOpencodeHome();
    const inside = spawn('sh', ['-c', 'sleep 30', `${home.home}/bin/agent-daemon`], { stdio: 'ignore' });
    const outside = spawn('sh', ['-c', 'sleep 30', `${home.home}-other/bin/agent`], { stdio: 'ignore' });
    children.push(inside, outside);
    await new Promise((r) => setTimeout(r, 100));
    expect(await killProcessesNaming(home.home)).toEqual([inside.pid]);
    expect(await waitGone(inside.pid!)).toBe(true);
    expect(alive(outside.pid!)).toBe(true);
    await home.cleanup();
    expect(existsSync(home.home)).toBe(false);
  });
});
