import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { clineArgs, clineBin, killProcessesOfHome, makeClineHome, type ClineHome } from './cline-home.js';

describe('makeClineHome', () => {
  let home: ClineHome | undefined;
  afterEach(async () => {
    await home?.cleanup();
    home = undefined;
  });

  it('configures the mock as an OpenAI-compatible provider with the real `cline auth`', async () => {
    home = await makeClineHome({ baseUrl: 'http://127.0.0.1:9/v1' });
    const providers = JSON.parse(readFileSync(join(home.home, '.cline', 'data', 'settings', 'providers.json'), 'utf8'));
    expect(providers.lastUsedProvider).toBe('openai-compatible');
    expect(providers.providers['openai-compatible'].settings).toMatchObject({ model: 'gpt-mock', baseUrl: 'http://127.0.0.1:9/v1' });
    expect(home.env).toMatchObject({ HOME: home.home, CLINE_NO_AUTO_UPDATE: '1' });
    expect(home.env.CLINE_DISABLE_CLINE_PASS_NOTICE).toBeUndefined();
    expect(clineArgs()).toEqual(['--auto-approve', 'false']);
    expect(existsSync(clineBin())).toBe(true);
  }, 60_000);

  it('writes no provider without a base URL; disableNotices sets the variable', async () => {
    home = await makeClineHome({ disableNotices: true });
    expect(existsSync(join(home.home, '.cline'))).toBe(false);
    expect(home.env.CLINE_DISABLE_CLINE_PASS_NOTICE).toBe('1');
  });

  it('cleanup ends processes whose environment names the HOME (the hub daemon does), and removes it', async () => {
    const h = await makeClineHome();
    const child = spawn('sleep', ['30'], { env: { ...process.env, HOME: h.home }, detached: true, stdio: 'ignore' });
    const other = spawn('sleep', ['30'], { env: { ...process.env, HOME: `${h.home}-not-this-one` }, stdio: 'ignore' });
    const exited = new Promise((ok) => child.once('exit', ok));
    try {
      await new Promise((r) => setTimeout(r, 100));
      expect(await killProcessesOfHome(h.home)).toContain(child.pid);
      await exited;
      expect(other.exitCode).toBeNull();
    } finally {
      other.kill();
    }
    await h.cleanup();
    expect(existsSync(h.home)).toBe(false);
  });
});
