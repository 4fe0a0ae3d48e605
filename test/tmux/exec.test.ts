// The bounded runner every tmux (and ssh) call goes through: the whole output of a program
// that exits, however long its pipes take to drain; and a deadline that holds even when
// another process keeps the pipes open (as a stopped tmux server does with its client's).
import { describe, expect, it } from 'vitest';
import { execBounded } from '../../src/tmux/exec.js';

describe('execBounded', () => {
  it('returns all of a large output (a program may exit before its pipe is read)', async () => {
    const r = await execBounded('sh', ['-c', 'head -c 3000000 /dev/zero | tr "\\0" x; echo; echo done >&2'], { timeoutMs: 60_000 });
    expect(r.timedOut).toBe(false);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.length).toBe(3_000_001);
    expect(r.stderr).toBe('done\n');
  });

  // (The test's own timeout catches the hang: the child holds the pipe for 30 s.)
  it('a program killed on its deadline returns at once even if a child of it still holds the pipes', async () => {
    const r = await execBounded('sh', ['-c', 'echo started; sleep 30 & exec sleep 60'], { timeoutMs: 500 });
    expect(r.timedOut).toBe(true);
    expect(r.stdout).toBe('started\n');
  }, 15_000);

  it('a program that exits while a child keeps its pipes is not a timeout: its exit status and output are kept', async () => {
    const r = await execBounded('sh', ['-c', 'echo out; sleep 30 & exit 3'], { timeoutMs: 1000 });
    expect(r.timedOut).toBe(false);
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toBe('out\n');
  });

  it('stdin is delivered, a missing program rejects', async () => {
    expect((await execBounded('cat', [], { input: 'hello', timeoutMs: 5000 })).stdout).toBe('hello');
    await expect(execBounded('/nonexistent/program', [], { timeoutMs: 1000 })).rejects.toThrow(/ENOENT/);
  });
});
