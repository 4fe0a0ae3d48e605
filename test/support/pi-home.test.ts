import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makePiHome, piArgs, piBin, type PiHome } from './pi-home.js';

describe('makePiHome', () => {
  let home: PiHome | undefined;
  afterEach(async () => {
    await home?.cleanup();
    home = undefined;
  });

  it('points models.json at the mock and turns off start-up network traffic', async () => {
    home = await makePiHome({ baseUrl: 'http://127.0.0.1:9/v1' });
    const models = JSON.parse(readFileSync(join(home.agentDir, 'models.json'), 'utf8'));
    expect(models.providers.mock.baseUrl).toBe('http://127.0.0.1:9/v1');
    expect(models.providers.mock.api).toBe('openai-completions');
    expect(models.providers.mock.models).toEqual([{ id: 'gpt-mock' }]);
    expect(home.env).toMatchObject({ HOME: home.home, PI_OFFLINE: '1', PI_SKIP_VERSION_CHECK: '1', PI_TELEMETRY: '0' });
    expect(JSON.parse(readFileSync(join(home.agentDir, 'settings.json'), 'utf8'))).toEqual({ enableInstallTelemetry: false });
    expect(piArgs()).toEqual(['--provider', 'mock', '--model', 'gpt-mock']);
    expect(existsSync(piBin())).toBe(true);
  });

  it('writes no provider without a base URL, copies shipped extensions and writes given ones', async () => {
    home = await makePiHome({ extensions: ['permission-gate.ts', 'plan-mode', { name: 'mine.ts', source: 'export default () => {};\n' }], settings: { quietStartup: true } });
    expect(existsSync(join(home.agentDir, 'models.json'))).toBe(false);
    const ext = join(home.agentDir, 'extensions');
    expect(readFileSync(join(ext, 'permission-gate.ts'), 'utf8')).toContain('ctx.ui.select');
    expect(existsSync(join(ext, 'plan-mode', 'index.ts'))).toBe(true);
    expect(readFileSync(join(ext, 'mine.ts'), 'utf8')).toBe('export default () => {};\n');
    expect(JSON.parse(readFileSync(join(home.agentDir, 'settings.json'), 'utf8'))).toEqual({ enableInstallTelemetry: false, quietStartup: true });
  });

  it('cleanup removes the home', async () => {
    const h = await makePiHome();
    await h.cleanup();
    expect(existsSync(h.home)).toBe(false);
  });
});
