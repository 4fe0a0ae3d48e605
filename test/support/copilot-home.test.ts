import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copilotBin, makeCopilotHome } from './copilot-home.js';

describe('makeCopilotHome', () => {
  it('runs offline against the mock as a known model, with the given folders trusted', async () => {
    const h = await makeCopilotHome({ baseUrl: 'http://127.0.0.1:1/v1', trustDirs: ['/tmp/some-repo'] });
    try {
      expect(h.env).toMatchObject({
        HOME: h.home,
        COPILOT_OFFLINE: 'true',
        COPILOT_AUTO_UPDATE: 'false',
        COPILOT_PROVIDER_BASE_URL: 'http://127.0.0.1:1/v1',
        COPILOT_MODEL: 'gpt-mock',
        COPILOT_PROVIDER_MODEL_ID: 'gpt-4.1',
      });
      expect(h.env.COPILOT_PROVIDER_API_KEY).toBeTruthy();
      expect(JSON.parse(readFileSync(join(h.home, '.copilot', 'config.json'), 'utf8'))).toEqual({ trustedFolders: ['/tmp/some-repo'] });
    } finally {
      await h.cleanup();
    }
    expect(existsSync(h.home)).toBe(false);
  });

  it('without a base URL sets no provider (offline Copilot then refuses to start), and trusts nothing', async () => {
    const h = await makeCopilotHome({ modelId: null });
    try {
      expect(Object.keys(h.env).filter((k) => k.startsWith('COPILOT_PROVIDER_') || k === 'COPILOT_MODEL')).toEqual([]);
      expect(existsSync(join(h.home, '.copilot', 'config.json'))).toBe(false);
    } finally {
      await h.cleanup();
    }
  });

  it('points at the pinned binary', () => {
    expect(copilotBin()).toMatch(/node_modules\/\.bin\/copilot$/);
  });
});
