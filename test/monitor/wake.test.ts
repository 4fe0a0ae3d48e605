import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Waker } from '../../src/monitor/wake.js';

let dir: string;
let waker: Waker;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kb-wake-'));
  waker = new Waker();
});
afterEach(async () => {
  waker.close();
  await rm(dir, { recursive: true, force: true });
});

describe('Waker', () => {
  it('says when a directory it was asked to watch is not there yet, and watches it once it is', async () => {
    const later = join(dir, 'sessions');
    waker.watch([later]);
    expect(waker.missing).toBe(true);
    await mkdir(later);
    waker.watch([later]);
    expect(waker.missing).toBe(false);
    const ctl = new AbortController();
    const slept = waker.sleep(60_000, ctl.signal);
    await writeFile(join(later, '1.json'), '{}');
    // Resolves on the change, not on the minute-long timer (the test would time out).
    await slept;
    expect(waker.wakeups).toBeGreaterThanOrEqual(1);
  });
});
