// kb hook: what an agent's hooks report, kept compact, appended whole, bounded, private;
// the hook process itself is fast, prints nothing and always exits 0.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendEvent, eventRecord, hookSettings, MAX_LOG, readEvents, toolDetail } from '../../src/evidence/hooks.js';
import { CLI } from '../support/cli.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kb-hooks-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('hook events', () => {
  it('keep the event, the tool and a short detail (not a whole file a Write tool carries)', () => {
    const r = eventRecord({ hook_event_name: 'PermissionRequest', session_id: 's1', tool_name: 'Write', tool_input: { file_path: '/a/b.py', content: 'x'.repeat(100_000) } }, 5);
    expect(r).toEqual({ t: 5, event: 'PermissionRequest', session: 's1', tool: 'Write', detail: '/a/b.py' });
    expect(toolDetail({ command: 'ls -la' })).toBe('ls -la');
    expect(toolDetail({ questions: [{ question: 'Which framework?', options: [{ label: 'pytest' }, { label: 'unittest' }] }] })).toBe('Which framework? [pytest | unittest]');
    expect(eventRecord({ hook_event_name: 'Stop', last_assistant_message: 'Shall I go on?' }, 1)).toMatchObject({ event: 'Stop', message: 'Shall I go on?' });
    expect(eventRecord({ nope: true }, 1)).toBeNull();
  });

  it('the log is read incrementally, whole lines only, and moved aside when full', () => {
    const log = join(dir, 'e.jsonl');
    appendEvent(log, { t: 1, event: 'UserPromptSubmit', prompt: 'hi' });
    const first = readEvents(log, 0);
    expect(first.events.map((e) => e.event)).toEqual(['UserPromptSubmit']);
    writeFileSync(log, `${readFileSync(log, 'utf8')}{"t":2,"event":"Stop"}\n{"t":3,"ev`, { flag: 'w' });
    const next = readEvents(log, first.offset);
    expect(next.events.map((e) => e.t)).toEqual([2]);
    expect(readEvents(log, next.offset).events).toEqual([]);
    expect(statSync(log).mode & 0o777).toBe(0o600);
    writeFileSync(log, 'x'.repeat(MAX_LOG + 1));
    appendEvent(log, { t: 9, event: 'Stop' });
    expect(statSync(`${log}.1`).size).toBe(MAX_LOG + 1);
    expect(readEvents(log, next.offset).events.map((e) => e.t)).toEqual([9]);
  });

  it('kb hook appends one line, prints nothing, exits 0, also on garbage or without --log', () => {
    const log = join(dir, 'h.jsonl');
    const run = (input: string, args = ['--log', log]) => spawnSync(process.execPath, [CLI, 'hook', ...args], { input, encoding: 'utf8' });
    const ok = run(JSON.stringify({ hook_event_name: 'PermissionRequest', tool_name: 'Bash', tool_input: { command: 'rm -rf build' } }));
    expect([ok.status, ok.stdout, ok.stderr]).toEqual([0, '', '']);
    expect(readEvents(log, 0).events).toMatchObject([{ event: 'PermissionRequest', tool: 'Bash', detail: 'rm -rf build' }]);
    for (const [input, args] of [['not json', undefined], ['{}', undefined], ['{"hook_event_name":"Stop"}', []]] as const) {
      const r = run(input, args ? [...args] : undefined);
      expect([r.status, r.stdout, r.stderr]).toEqual([0, '', '']);
    }
    expect(readEvents(log, 0).events).toHaveLength(1);
    // an unwritable log is not the agent's problem either
    const r = run('{"hook_event_name":"Stop"}', ['--log', '/proc/nope/x.jsonl']);
    expect([r.status, r.stderr]).toEqual([0, '']);
  });

  it('the settings give every event one command hook', () => {
    expect(hookSettings(['Stop', 'PreToolUse'], "'kb' hook")).toEqual({
      hooks: {
        Stop: [{ matcher: '', hooks: [{ type: 'command', command: "'kb' hook", timeout: 10 }] }],
        PreToolUse: [{ matcher: '', hooks: [{ type: 'command', command: "'kb' hook", timeout: 10 }] }],
      },
    });
    void execFileSync;
  });
});
