import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ampBin, closedLocalUrl, makeAmpHome, startAmpServerStub } from './amp-home.js';

describe('amp test support', () => {
  it('makes a HOME whose env points Amp at 127.0.0.1, with or without an API key', async () => {
    const login = await makeAmpHome({ url: 'http://127.0.0.1:9' });
    const keyed = await makeAmpHome({ url: 'http://127.0.0.1:9', apiKey: 'sgamp_x' });
    try {
      expect(login.env).toEqual({ HOME: login.home, LANG: 'C.UTF-8', AMP_URL: 'http://127.0.0.1:9' });
      expect(keyed.env.AMP_API_KEY).toBe('sgamp_x');
      expect(existsSync(ampBin())).toBe(true);
    } finally {
      await login.cleanup();
      await keyed.cleanup();
    }
    expect(existsSync(login.home)).toBe(false);
  });

  it('the service stand-in answers 401 and logs requests; closedLocalUrl refuses connections', async () => {
    const stub = await startAmpServerStub();
    try {
      const res = await fetch(`${stub.url}/api/internal?getUserInfo`, { method: 'POST', body: '{}' });
      expect(res.status).toBe(401);
      expect(stub.requests).toEqual(['POST /api/internal?getUserInfo']);
    } finally {
      await stub.close();
    }
    const url = await closedLocalUrl();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await expect(fetch(url)).rejects.toThrow();
  });
});
