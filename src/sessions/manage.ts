/** read and forget: what they do to a session, without the command layer. */
import { KbError } from '../errors.js';
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

/** Removes a stopped or dead entry (and a dead pane remain-on-exit kept); a running one is refused. */
export async function forgetSession(ctx: SessionContext, name: string): Promise<{ status: 'forgotten'; name: string }> {
  const entry = await getEntry(ctx, name);
  const pane = await entryPane(entry, ctx.server);
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
