/** The status object of `status` and `list --json`. */
import { mergeEvidence, type Source } from '../evidence/merge.js';
import { INTERVENTION_STATES } from '../rules/schema.js';
import { SshError } from '../tmux/ssh.js';
import type { SessionContext } from './context.js';
import { readEntryEvidence } from './evidence.js';
import { drivenState } from './driving.js';
import type { RegistryEntry } from './registry.js';
import { entryAgent, entryAgentName, entryPane, entryServer, entrySession, paneIO } from './target.js';

export interface SessionStatus {
  name: string;
  alive: boolean;
  /** The classified state; `starting` / `stopping` while a kb spawn or stop drives it. */
  state: string;
  rule: string | null;
  /** The classified state, or `stopped` / `dead` (a vanished or exited pane). */
  status: string;
  tmux_session: string | null;
  pane_id: string | null;
  model: string | null;
  agent: string;
  /** The agent CLI's version recorded at spawn (null: unknown). */
  agent_version: string | null;
  spawned_at: string | null;
  age: string;
  age_seconds: number;
  worktree: string | null;
  stopped_at: string | null;
  resume_id: string | null;
  needs_intervention: boolean;
  /** How to answer it: keys or text (none otherwise). */
  answer: string;
  /** What decided the state: the screen, the agent's own state file, its hooks. */
  source: Source | Source[];
  /** The tool that asks and its input, when the agent said (hooks). */
  tool?: string;
  detail?: string;
  /** Something the caller should know (an agent with no loaded profile). */
  warning?: string;
  /** The ssh destination of a session on another machine. */
  host?: string;
  /** Why the state is unknown (its host cannot be reached: state and status `unreachable`). */
  error?: string;
}

/** As the original tool: `45s`, `5m`, `2h`, `3d`. */
export function formatAge(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

export function ageSeconds(spawnedAt: unknown, now = Date.now()): number {
  const t = Date.parse(typeof spawnedAt === 'string' ? spawnedAt : '');
  return Number.isNaN(t) ? 0 : Math.max(0, Math.floor((now - t) / 1000));
}

/** The worktree path shown to users: the recorded path, else the legacy field as given. */
export function worktreeOf(entry: RegistryEntry): string | null {
  if (typeof entry.worktree_path === 'string' && entry.worktree_path) return entry.worktree_path;
  return typeof entry.worktree === 'string' && entry.worktree ? entry.worktree : null;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** The status fields that come from the registry entry alone. */
function recorded(ctx: SessionContext, entry: RegistryEntry) {
  const age = ageSeconds(entry.spawned_at, ctx.clock.now());
  return {
    name: entry.name,
    model: str(entry.model),
    spawned_at: str(entry.spawned_at),
    age: formatAge(age),
    age_seconds: age,
    worktree: worktreeOf(entry),
    stopped_at: str(entry.stopped_at),
    resume_id: str(entry.resume_id),
  };
}

export async function sessionStatus(ctx: SessionContext, entry: RegistryEntry): Promise<SessionStatus> {
  const server = entryServer(entry, ctx.server);
  const session = entrySession(entry);
  const pane = await entryPane(entry, ctx.server);
  const agent = entryAgent(ctx, entry);
  const agentName = entryAgentName(entry, ctx.stack().agents.default().name);
  let state = 'exited';
  let rule: string | null = null;
  let needs = false;
  let answer = 'none';
  let alive = false;
  // Without its profile the screen is read with the generic rules, and the status says so.
  const classifier = agent ?? ctx.stack().agents.get('custom');
  let source: Source[] = ['screen'];
  let tool: string | undefined;
  let detail: string | undefined;
  let version = str(entry.agent_version);
  if (pane && session !== null) {
    const obs = await paneIO(ctx, { entry, server, session, pane }, classifier).observe();
    let c = obs.classification;
    const evidence = obs.pane && !obs.pane.dead ? await readEntryEvidence(entry, obs.pane) : null;
    if (evidence) {
      // As the monitor does: the agent's own state decides whether it waits, the screen what.
      const m = mergeEvidence(c, evidence, ctx.clock.now(), obs.at);
      c = { ...c, state: m.state, rule: m.rule, answer: m.answer, needs_intervention: INTERVENTION_STATES.has(m.state) };
      source = m.source;
      tool = m.tool;
      detail = m.detail;
      version = evidence.state?.version ?? version;
    }
    state = c.state;
    rule = c.rule;
    needs = c.needs_intervention;
    answer = c.answer;
    alive = !!obs.pane && !obs.pane.dead && state !== 'exited';
    if (obs.pane?.dead) {
      state = 'exited';
      alive = false;
    }
  }
  const driven = alive ? drivenState(entry, ctx.clock.now()) : null;
  if (driven) {
    state = driven;
    needs = false;
  }
  const status = entry.stopped_at ? 'stopped' : !pane || pane.dead ? 'dead' : state;
  return {
    ...recorded(ctx, entry),
    alive,
    state,
    rule,
    status,
    tmux_session: session,
    pane_id: pane?.paneId ?? str(entry.pane_id),
    agent: agentName,
    agent_version: version,
    needs_intervention: needs,
    answer: needs ? answer : 'none',
    source: source.length === 1 ? source[0]! : source,
    ...(tool ? { tool } : {}),
    ...(detail ? { detail } : {}),
    ...(agent ? {} : { warning: `no loaded profile for agent "${agentName}": classified with the generic rules (pass the --rules directory that defines it)` }),
    ...(server.host ? { host: server.host } : {}),
  };
}

/**
 * sessionStatus, but a session whose host cannot be reached is a status with state and
 * status `unreachable` and the error, so one host that is down does not hide the others.
 */
export async function sessionStatusOrUnreachable(ctx: SessionContext, entry: RegistryEntry): Promise<SessionStatus> {
  try {
    return await sessionStatus(ctx, entry);
  } catch (error) {
    const host = entryServer(entry, ctx.server).host;
    if (!host || !(error instanceof SshError)) throw error;
    return {
      ...recorded(ctx, entry),
      alive: false,
      state: 'unreachable',
      rule: null,
      status: entry.stopped_at ? 'stopped' : 'unreachable',
      tmux_session: entrySession(entry),
      pane_id: str(entry.pane_id),
      agent: entryAgentName(entry, ctx.stack().agents.default().name),
      agent_version: str(entry.agent_version),
      needs_intervention: false,
      answer: 'none',
      source: 'screen',
      host,
      error: error.message,
    };
  }
}
