/** read and forget: what they do to a session, without the command layer. */
import { KbError } from '../errors.js';
import { SshError } from '../tmux/ssh.js';
import { killSession } from '../tmux/session.js';
import type { SessionContext } from './context.js';
import { updateRegistry } from './registry.js';
import { entryPane, entryServer, entrySession, getEntry, requirePane } from './target.js';
import { capturePane } from '../tmux/session.js';

/** The last `lines` lines of the pane's text, wrapped lines joined (an exited pane too). */
export async function readSession(ctx: SessionContext, name: string, lines: number): Promise<string> {
  const live = await requirePane(ctx, name);
  const raw = await capturePane(live.server, live.pane.paneId, { join: true, history: lines });
  const rows = raw.replace(/\r/g, '').split('\n').map((l) => l.trimEnd());
  while (rows.length && rows[rows.length - 1] === '') rows.pop();
  return rows.slice(-lines).join('\n');
}

/**
 * Removes a stopped or dead entry (and a dead pane remain-on-exit kept); a running one is
 * refused. A stopped entry whose host cannot be reached is removed all the same (stop and
 * kill already ended its session there); any other entry of such a host only with `force`.
 */
export async function forgetSession(ctx: SessionContext, name: string, options: { force?: boolean } = {}): Promise<{ status: 'forgotten'; name: string }> {
  const entry = await getEntry(ctx, name);
  if (options.force) {
    await updateRegistry(ctx.registry, (registry) => {
      if (registry[name]?.spawned_at === entry.spawned_at) delete registry[name];
    });
    return { status: 'forgotten', name };
  }
  let pane;
  try {
    pane = await entryPane(entry, ctx.server);
  } catch (error) {
    const host = entryServer(entry, ctx.server).host;
    if (!host || !(error instanceof SshError)) throw error;
    if (!entry.stopped_at) {
      throw new KbError(`cannot tell whether session "${name}" still runs: ${error.message}`, {
        hint: `when the host is back: kb kill --name ${name}, then forget it; to drop the entry now (the session may still run on ${host}): kb forget --name ${name} --force`,
      });
    }
    pane = null;
  }
  if (pane && !pane.dead) {
    throw new KbError(`session "${name}" is still running; forget removes only stopped or dead sessions`, {
      hint: `stop it first: kb stop --name ${name} (or kb kill --name ${name})`,
    });
  }
  const session = entrySession(entry);
  if (pane && session !== null) await killSession(entryServer(entry, ctx.server), session);
  await updateRegistry(ctx.registry, (registry) => {
    if (registry[name]?.spawned_at === entry.spawned_at) delete registry[name];
  });
  return { status: 'forgotten', name };
}
