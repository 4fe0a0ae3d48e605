/**
 * From a registry entry to the one pane it owns, and to the agent profile that drives it.
 * The pane id is checked against the panes of the entry's exact session, so a stale id (a
 * restarted server reuses `%N`) or a vanished session can never lead a command into
 * another session; an entry without a pane id (written by the original tool) is served
 * through `=session:`.
 */
import { CUSTOM, type Agent } from '../agents/catalog.js';
import { KbError } from '../errors.js';
import type { TmuxServer } from '../tmux/run.js';
import { collectExitStatuses, sessionPanes, type PaneInfo } from '../tmux/session.js';
import type { SessionContext } from './context.js';
import { tmuxPaneIO, type PaneIO } from './pane-io.js';
import { readRegistry, RegistryMissingError, type RegistryEntry } from './registry.js';

/** The ssh destination an entry runs on, or undefined for this machine (entries before hosts: local). */
export function entryHost(entry: RegistryEntry): string | undefined {
  return typeof entry.host === 'string' && entry.host !== '' ? entry.host : undefined;
}

/** The server an entry lives on: its recorded socket (on its host); legacy entries use the global one. */
export function entryServer(entry: RegistryEntry, fallback: TmuxServer): TmuxServer {
  const host = entryHost(entry);
  if (Object.prototype.hasOwnProperty.call(entry, 'socket')) return host ? { socket: entry.socket ?? undefined, host } : { socket: entry.socket ?? undefined };
  return host ? { ...fallback, host } : fallback;
}

/** The entry's tmux session name, or null when the entry has none (a sparse entry). */
export function entrySession(entry: RegistryEntry): string | null {
  return typeof entry.tmux_session === 'string' && entry.tmux_session !== '' ? entry.tmux_session : null;
}

/** The entry's pane, or null when its session or pane is gone. */
export async function entryPane(entry: RegistryEntry, fallback: TmuxServer): Promise<PaneInfo | null> {
  const session = entrySession(entry);
  if (session === null) return null;
  const panes = await sessionPanes(entryServer(entry, fallback), session);
  if (panes.length === 0) return null;
  if (typeof entry.pane_id === 'string' && entry.pane_id) return panes.find((p) => p.paneId === entry.pane_id) ?? null;
  return panes[0] ?? null;
}

/**
 * The agent name an entry was spawned as: a profile name; `custom` for a command line
 * (entries written before profiles stored the command line itself); the default agent when
 * absent (the original tool ran only Claude Code, the default profile).
 */
export function entryAgentName(entry: RegistryEntry, defaultAgent: string): string {
  const agent = typeof entry.agent === 'string' && entry.agent.trim() !== '' ? entry.agent.trim() : defaultAgent;
  return /[\s/]/.test(agent) ? CUSTOM : agent;
}

/** The profile that drives the entry's agent; undefined when no loaded profile has its name. */
export function entryAgent(ctx: Pick<SessionContext, 'stack'>, entry: RegistryEntry): Agent | undefined {
  return ctx.stack().agents.find(entryAgentName(entry, ctx.stack().agents.default().name));
}

/** Like entryAgent, but an entry whose profile is not loaded is an error naming the fix. */
export function requireEntryAgent(ctx: Pick<SessionContext, 'stack'>, entry: RegistryEntry): Agent {
  const agent = entryAgent(ctx, entry);
  if (agent) return agent;
  const name = entryAgentName(entry, ctx.stack().agents.default().name);
  throw new KbError(`session "${entry.name}" runs agent "${name}", and no loaded profile has that name`, {
    hint: `pass the rules directory that defines it (--rules DIR or KB_RULES); known agents: ${ctx.stack().agents.names().join(', ')}`,
  });
}

export async function getEntry(ctx: Pick<SessionContext, 'registry'>, name: string): Promise<RegistryEntry> {
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
  session: string;
  pane: PaneInfo;
}

/** The entry's pane, which must exist (dead or alive); a clear error otherwise. */
export async function requirePane(ctx: SessionContext, name: string): Promise<LivePane> {
  const entry = await getEntry(ctx, name);
  const server = entryServer(entry, ctx.server);
  const session = entrySession(entry);
  const pane = await entryPane(entry, ctx.server);
  if (!pane || session === null) {
    throw new KbError(`session "${name}" is gone (tmux session "${session ?? '?'}" has no pane ${entry.pane_id ?? ''})`.replace(' )', ')'), {
      hint: `it was ${entry.stopped_at ? 'stopped' : 'closed or killed outside kage-bunshin'}; remove it with kb forget --name ${name}`,
    });
  }
  return { entry, server, session, pane };
}

/** requirePane, and the pane's program must still run. */
export async function requireLivePane(ctx: SessionContext, name: string): Promise<LivePane> {
  const live = await requirePane(ctx, name);
  if (live.pane.dead) {
    let status = live.pane.deadStatus;
    if (status === null) {
      await collectExitStatuses(live.server);
      status = (await entryPane(live.entry, ctx.server))?.deadStatus ?? null;
    }
    throw new KbError(`session "${name}" has exited (exit status ${status ?? 'unknown'})`, {
      hint: `read its last screen with kb read --name ${name}; remove it with kb forget --name ${name}`,
    });
  }
  return live;
}

/** The PaneIO for a live pane, classifying with the entry's agent. */
export function paneIO(ctx: SessionContext, live: LivePane, agent: Agent): PaneIO {
  return tmuxPaneIO({ server: live.server, session: live.session, paneId: live.pane.paneId, agent: agent.name, rules: ctx.stack().rules, clock: ctx.clock });
}
