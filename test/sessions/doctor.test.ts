import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSandbox, type Sandbox } from './support.js';

let sb: Sandbox;
beforeAll(async () => {
  sb = await makeSandbox();
});
afterAll(async () => {
  await sb.cleanup();
});

describe('doctor', () => {
  it('reports tmux, the agent binaries (with their overrides), the state directory, registry and rules', async () => {
    const env = { KB_CLAUDE_BIN: resolve('node_modules/@anthropic-ai/claude-code/bin/claude.exe'), KB_CODEX_BIN: '/nonexistent/codex' };
    const r = await sb.kb(['doctor'], env);
    expect(r.exitCode, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^ok\s+tmux\s+tmux 3\.\d/m);
    expect(r.stdout).toMatch(new RegExp(`^ok\\s+tmux server\\s+socket "${sb.socket}": not running`, 'm'));
    expect(r.stdout).toMatch(/^ok\s+claude\s+.*\(KB_CLAUDE_BIN\): 2\.1\.\d+/m);
    expect(r.stdout).toMatch(/^warn\s+codex\s+\/nonexistent\/codex \(KB_CODEX_BIN\): not found/m);
    expect(r.stdout).toMatch(/^ok\s+registry\s+.*none yet/m);
    expect(r.stdout).toMatch(/^ok\s+rules\s+\d+ rules/m);
    expect(r.stdout).toMatch(/all checks passed/);
  });

  it('fails (exit 1) on a registry it cannot parse, naming it', async () => {
    const dir = join(sb.stateDir, 'kage-bunshin');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'registry-default.json'), '{ nope');
    const r = await sb.kb(['doctor']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/^FAIL\s+registry\s+registry .*registry-default\.json cannot be parsed/m);
    expect(r.stdout).toMatch(/1 problem\(s\) found/);
    // list / status report it too, and never overwrite it
    const list = await sb.kb(['list']);
    expect(list.exitCode).toBe(1);
    expect(list.stderr).toMatch(/cannot be parsed: .*\n  fix: repair or move the file/);
  });
});
