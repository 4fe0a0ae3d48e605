// An agent's state file counts only while its process lives (pid alive, same start time).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findAgentState, procStart, readAgentState } from '../../src/evidence/session-file.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kb-sess-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (pid: number, body: Record<string, unknown>) => writeFileSync(join(dir, `${pid}.json`), JSON.stringify({ pid, ...body }));

describe('agent state files', () => {
  it('a live process with its start time: read; a wrong start time (a reused pid) or a dead pid: not', async () => {
    const start = await procStart(process.pid);
    expect(start).toMatch(/^\d+$/);
    write(process.pid, { status: 'waiting', waitingFor: 'permission prompt', statusUpdatedAt: 42, procStart: start, version: '2.1.330', sessionId: 'abc' });
    expect(await readAgentState(dir, process.pid)).toMatchObject({ status: 'waiting', waitingFor: 'permission prompt', updatedAt: 42, version: '2.1.330', pid: process.pid });
    write(process.pid, { status: 'busy', procStart: '1' });
    expect(await readAgentState(dir, process.pid)).toBeNull();
    const child = spawn('sleep', ['0']);
    const pid = child.pid!;
    await new Promise((r) => child.on('exit', r));
    write(pid, { status: 'waiting', procStart: '123' });
    expect(await readAgentState(dir, pid)).toBeNull();
    writeFileSync(join(dir, '7.json'), 'not json');
    expect(await readAgentState(dir, 7)).toBeNull();
  });

  it("finds the pane's agent by its pid, else by the tmux field naming the session and pane", async () => {
    const start = await procStart(process.pid);
    write(process.pid, { status: 'idle', procStart: start, tmux: 'w1:@3.%7' });
    expect(await findAgentState(dir, { pid: 1, paneId: '%7', sessionName: 'w1' })).toMatchObject({ status: 'idle', pid: process.pid });
    expect(await findAgentState(dir, { pid: 1, paneId: '%8', sessionName: 'w1' })).toBeNull();
    expect(await findAgentState(dir, { pid: 1, paneId: '%7', sessionName: 'w10' })).toBeNull();
    expect(await findAgentState(join(dir, 'none'), { pid: null, paneId: '%7', sessionName: 'w1' })).toBeNull();
  });
});
