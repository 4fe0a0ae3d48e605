/**
 * What the session commands do with an agent's own evidence (profile `evidence:`): spawn
 * writes the per-session hook settings and wires `kb hook` into them; send and spawn accept
 * a UserPromptSubmit with the message (or the state file turning busy) as proof of
 * delivery; status merges the state file with the screen, as the monitor does.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Launch } from '../agents/launch.js';
import { hookSettings, readEvents, type HookEvent } from '../evidence/hooks.js';
import type { Evidence } from '../evidence/merge.js';
import { findAgentState } from '../evidence/session-file.js';
import { ensurePrivateDir } from '../state/private.js';
import type { PaneInfo } from '../tmux/panes.js';
import { kbDir, type SessionContext } from './context.js';
import type { RegistryEntry } from './registry.js';
import { squash } from './send.js';

export interface EvidencePaths {
  eventsLog: string;
  settingsFile: string;
}

export function evidencePaths(ctx: Pick<SessionContext, 'stateDir'>, name: string): EvidencePaths {
  return { eventsLog: join(kbDir(ctx), 'events', `${name}.jsonl`), settingsFile: join(kbDir(ctx), 'hooks', `${name}.json`) };
}

const shq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The command line an agent's hook runs: this very kb, with the session's event log. */
export function hookCommand(eventsLog: string): string {
  const cli = fileURLToPath(new URL('../cli.js', import.meta.url));
  return `${shq(process.execPath)} ${shq(cli)} hook --log ${shq(eventsLog)}`;
}

/** Writes the hook settings the launch refers to (0600), and starts the event log afresh. */
export async function prepareEvidence(launch: Launch, paths: EvidencePaths): Promise<void> {
  const hooks = launch.agent.profile.evidence?.hooks;
  if (!hooks || !launch.settingsFile) return;
  await ensurePrivateDir(join(paths.eventsLog, '..'));
  await ensurePrivateDir(join(paths.settingsFile, '..'));
  await rm(paths.eventsLog, { force: true });
  await rm(`${paths.eventsLog}.1`, { force: true });
  await writeFile(paths.settingsFile, `${JSON.stringify(hookSettings(hooks.events, hookCommand(paths.eventsLog)), null, 2)}\n`, { mode: 0o600 });
}

/** The evidence locations recorded in an entry. */
export function entryEvidence(entry: RegistryEntry): { sessionDir: string | null; eventsLog: string | null } {
  const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
  return { sessionDir: str(entry.session_dir), eventsLog: str(entry.events_log) };
}

/** The entry's evidence now: its live state file and its hook events (the last 50). */
export async function readEntryEvidence(entry: RegistryEntry, pane: PaneInfo): Promise<Evidence | null> {
  const where = entryEvidence(entry);
  if (!where.sessionDir && !where.eventsLog) return null;
  const state = where.sessionDir ? await findAgentState(where.sessionDir, pane) : null;
  const events: HookEvent[] = where.eventsLog ? readEvents(where.eventsLog, 0).events.slice(-50) : [];
  return { state, events };
}

/**
 * Delivery evidence for send/spawn: the agent's UserPromptSubmit hook carried the message
 * (its first words), or its state file turned busy, after `since`.
 */
export function deliveryEvidence(entry: RegistryEntry, text: string): ((since: number, pane: PaneInfo | null) => Promise<boolean>) | undefined {
  const where = entryEvidence(entry);
  if (!where.sessionDir && !where.eventsLog) return undefined;
  const head = squash(text).slice(0, 24);
  return async (since, pane) => {
    if (where.eventsLog) {
      const { events } = readEvents(where.eventsLog, 0);
      if (events.some((e) => e.event === 'UserPromptSubmit' && e.t >= since && squash(e.prompt ?? '').includes(head))) return true;
    }
    if (where.sessionDir && pane) {
      const state = await findAgentState(where.sessionDir, pane);
      if (state && state.status !== 'idle' && (state.updatedAt ?? 0) >= since) return true;
    }
    return false;
  };
}
