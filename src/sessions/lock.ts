/**
 * One writer per pane. Two kb commands typing into the same pane at once would interleave
 * their keystrokes or press a key twice (a second Ctrl-C exits Claude Code), so send, stop
 * and spawn's prompt delivery hold a lock for the pane: a directory lock (proper-lockfile,
 * mkdir-based, refreshed while held, taken over when its holder died) in the state
 * directory beside the registry. A command that cannot get it within the limit says so.
 */
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { KbError } from '../errors.js';
import { ensurePrivateDir } from '../state/private.js';
import type { TmuxServer } from '../tmux/run.js';
import { kbDir, type SessionContext } from './context.js';

export interface PaneLockOptions {
  /** How long to wait for another command to finish with the pane (default 120 s). */
  waitMs?: number;
  /** For the message: what the waiting command wants to do. */
  what: string;
  name: string;
}

function lockPath(ctx: Pick<SessionContext, 'stateDir'>, server: TmuxServer, paneId: string): string {
  const serverPart = `${server.host ? `${server.host}-` : ''}${server.socket ?? 'default'}`.replace(/[^A-Za-z0-9_.-]/g, '_');
  return join(kbDir(ctx), 'locks', `${serverPart}-${paneId.replace(/[^0-9A-Za-z]/g, '')}`);
}

export async function withPaneLock<T>(
  ctx: Pick<SessionContext, 'stateDir' | 'clock'>,
  server: TmuxServer,
  paneId: string,
  options: PaneLockOptions,
  body: () => Promise<T>,
): Promise<T> {
  const file = lockPath(ctx, server, paneId);
  await ensurePrivateDir(join(kbDir(ctx), 'locks'));
  const deadline = ctx.clock.now() + (options.waitMs ?? 120_000);
  let release: (() => Promise<void>) | undefined;
  for (;;) {
    try {
      release = await lockfile.lock(file, { realpath: false, stale: 15_000, update: 5_000, retries: 0 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') {
        throw new KbError(`cannot lock the pane of session "${options.name}": ${(error as Error).message}`, {
          hint: `check that ${kbDir(ctx)} is writable`,
          cause: error,
        });
      }
      if (ctx.clock.now() >= deadline) {
        throw new KbError(`session "${options.name}" is busy: another kb command is typing into it or stopping it; gave up waiting to ${options.what}`, {
          hint: `retry when it is done (kb status --name ${options.name}); if no kb command runs, remove ${file}.lock`,
        });
      }
      await ctx.clock.sleep(40 + Math.floor(Math.random() * 80));
    }
  }
  try {
    return await body();
  } finally {
    await release().catch(() => undefined);
  }
}
