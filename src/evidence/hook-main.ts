/**
 * The `kb hook` process, kept apart from the rest of the program so it starts fast: it
 * loads nothing but this and evidence/hooks.ts. It reads one event on stdin (at most 1 MB,
 * at most 2 s), appends it to the log named by --log, prints nothing and exits 0, always.
 */
import { runHook } from './hooks.js';

const MAX_STDIN = 1024 * 1024;

export function hookMain(argv: readonly string[]): Promise<void> {
  const at = argv.indexOf('--log');
  const log = at >= 0 ? argv[at + 1] : undefined;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try {
        runHook(log, Buffer.concat(chunks).toString('utf8'));
      } catch {
        // never fail the agent
      }
      resolve();
    };
    const timer = setTimeout(finish, 2_000);
    process.stdin.on('data', (c: Buffer) => {
      if (size < MAX_STDIN) chunks.push(c);
      size += c.length;
    });
    process.stdin.on('end', finish);
    process.stdin.on('error', finish);
  });
}
