/** The status object of `status` and `list --json`. */
import type { RuleSet } from '../rules/load.js';
import type { TmuxServer } from '../tmux/run.js';
import { observe } from './observe.js';
import type { RegistryEntry } from './registry.js';
import { entryPane, entryServer } from './target.js';

export interface SessionStatus {
  name: string;
  alive: boolean;
  state: string;
  rule: string | null;
  /** The classified state, or `stopped` / `dead` (a vanished or exited pane). */
  status: string;
  tmux_session: string;
  pane_id: string | null;
  model: string | null;
  agent: string;
  spawned_at: string | null;
  age: string;
  age_seconds: number;
  worktree: string | null;
  stopped_at: string | null;
  resume_id: string | null;
  needs_intervention: boolean;
}

/** As the original tool: `45s`, `5m`, `2h`, `3d`. */
export function formatAge(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

export function ageSeconds(spawnedAt: string | undefined, now = Date.now()): number {
  const t = Date.parse(spawnedAt ?? '');
  return Number.isNaN(t) ? 0 : Math.max(0, Math.floor((now - t) / 1000));
}

/** The worktree path shown to users: the recorded path, else the legacy field as given. */
export function worktreeOf(entry: RegistryEntry): string | null {
  if (typeof entry.worktree_path === 'string' && entry.worktree_path) return entry.worktree_path;
  return typeof entry.worktree === 'string' && entry.worktree ? entry.worktree : null;
}

export async function sessionStatus(entry: RegistryEntry, fallback: TmuxServer, rules: RuleSet, now = Date.now()): Promise<SessionStatus> {
  const server = entryServer(entry, fallback);
  const pane = await entryPane(entry, fallback);
  let state = 'exited';
  let rule: string | null = null;
  let needs = false;
  let alive = false;
  if (pane) {
    const obs = await observe(server, entry.tmux_session, pane.paneId, entry.agent ?? 'claude', rules);
    state = obs.classification.state;
    rule = obs.classification.rule;
    needs = obs.classification.needs_intervention;
    alive = !!obs.pane && !obs.pane.dead && state !== 'exited';
    if (obs.pane?.dead) {
      state = 'exited';
      alive = false;
    }
  }
  const status = entry.stopped_at ? 'stopped' : !pane || pane.dead ? 'dead' : state;
  const age = ageSeconds(entry.spawned_at, now);
  return {
    name: entry.name,
    alive,
    state,
    rule,
    status,
    tmux_session: entry.tmux_session,
    pane_id: pane?.paneId ?? entry.pane_id ?? null,
    model: entry.model ?? null,
    agent: entry.agent ?? 'claude',
    spawned_at: entry.spawned_at ?? null,
    age: formatAge(age),
    age_seconds: age,
    worktree: worktreeOf(entry),
    stopped_at: entry.stopped_at ?? null,
    resume_id: entry.resume_id ?? null,
    needs_intervention: needs,
  };
}
