/**
 * From a registry entry to the one pane it owns. The pane id is checked against the panes
 * of the entry's exact session, so a stale id (a restarted server reuses `%N`) or a
 * vanished session can never lead a command into another session; an entry without a
 * pane id (written by the original tool) is served through `=session:`.
 */
import { KbError } from '../errors.js';
import type { TmuxServer } from '../tmux/run.js';
import { sessionPanes, type PaneInfo } from '../tmux/session.js';
import { readRegistry, RegistryMissingError, type RegistryEntry } from './registry.js';
import type { SessionContext } from './context.js';

/** The server an entry lives on: its recorded socket; legacy entries use the global one. */
export function entryServer(entry: RegistryEntry, fallback: TmuxServer): TmuxServer {
  if (Object.prototype.hasOwnProperty.call(entry, 'socket')) return { socket: entry.socket ?? undefined };
  return fallback;
}

/** The entry's pane, or null when its session or pane is gone. */
export async function entryPane(entry: RegistryEntry, fallback: TmuxServer): Promise<PaneInfo | null> {
  if (typeof entry.tmux_session !== 'string' || entry.tmux_session === '') return null;
  const panes = await sessionPanes(entryServer(entry, fallback), entry.tmux_session);
  if (panes.length === 0) return null;
  if (entry.pane_id) return panes.find((p) => p.paneId === entry.pane_id) ?? null;
  return panes[0] ?? null;
}

export async function getEntry(ctx: SessionContext, name: string): Promise<RegistryEntry> {
  let registry;
  try {
    registry = await readRegistry(ctx.registry);
  } catch (error) {
    if (error instanceof RegistryMissingError) {
      throw new KbError(`no session named "${name}": no registry at ${ctx.registry}`, {
        hint: 'check the name with kb list, and --state-dir / --session-id / the current directory',
      });
    }
    throw error;
  }
  const entry = registry[name];
  if (!entry) {
    const names = Object.keys(registry);
    throw new KbError(`no session named "${name}" in ${ctx.registry}`, {
      hint: names.length ? `registered: ${names.slice(0, 10).join(', ')}${names.length > 10 ? ', ...' : ''} (kb list)` : 'spawn one first: kb spawn --name NAME "prompt"',
    });
  }
  return entry;
}

export interface LivePane {
  entry: RegistryEntry;
  server: TmuxServer;
  pane: PaneInfo;
}

/** The entry's pane, which must exist (dead or alive); a clear error otherwise. */
export async function requirePane(ctx: SessionContext, name: string): Promise<LivePane> {
  const entry = await getEntry(ctx, name);
  const server = entryServer(entry, ctx.server);
  const pane = await entryPane(entry, ctx.server);
  if (!pane) {
    throw new KbError(`session "${name}" is gone (tmux session "${entry.tmux_session}" has no pane ${entry.pane_id ?? ''})`.replace(' )', ')'), {
      hint: `it was ${entry.stopped_at ? 'stopped' : 'closed or killed outside kage-bunshin'}; remove it with kb forget --name ${name}`,
    });
  }
  return { entry, server, pane };
}

/** requirePane, and the pane's program must still run. */
export async function requireLivePane(ctx: SessionContext, name: string): Promise<LivePane> {
  const live = await requirePane(ctx, name);
  if (live.pane.dead) {
    throw new KbError(`session "${name}" has exited (exit status ${live.pane.deadStatus ?? 'unknown'})`, {
      hint: `read its last screen with kb read --name ${name}; remove it with kb forget --name ${name}`,
    });
  }
  return live;
}
