/**
 * One observation cycle: registry entries -> panes (one list-panes per server) -> captures
 * of the panes that may have changed (one pipelined batch per server) -> classifications.
 *
 * Change detection: a pane is not captured again when its list-panes fingerprint (window
 * activity, size, history, cursor, command, mode) is unchanged AND its window's last
 * output (whole seconds) is older than the second in which the previous capture started,
 * which proves nothing was drawn since that capture. Anything less certain is captured.
 *
 * Servers are grouped by (host, socket): one transport each, observed in parallel. A host
 * that cannot be reached over ssh is an error naming it and its sessions, or (option
 * `unreachable: 'state'`, the monitor's --watch) the state `unreachable` for its sessions
 * while the other hosts go on; such a host is tried again after a backoff (the base,
 * doubling per failure up to a cap), never waited on in between.
 */
import picomatch from 'picomatch';
import { CUSTOM, type AgentCatalog } from '../agents/catalog.js';
import { interventionContent } from '../classify/content.js';
import { classifyScreen, type Classification } from '../classify/index.js';
import { screenContext } from '../rules/compile.js';
import type { RuleSet } from '../rules/load.js';
import { normalize } from '../screen/normalize.js';
import { KbError, UsageError } from '../errors.js';
import { ControlClosedError } from '../tmux/control.js';
import { SshError } from '../tmux/ssh.js';
import { drivenState } from '../sessions/driving.js';
import type { Registry } from '../sessions/registry.js';
import { entryAgentName, entryHost, entryServer } from '../sessions/target.js';
import { readEvents, type HookEvent } from '../evidence/hooks.js';
import { mergeEvidence, type Evidence, type Merged } from '../evidence/merge.js';
import { findAgentState } from '../evidence/session-file.js';
import { sessionPane, type PaneInfo } from '../tmux/panes.js';
import { forgetUnresponsive, serverKey, type TmuxServer } from '../tmux/run.js';
import type { Observation } from './decide.js';
import { serverGone, type PaneTransport } from './transport.js';

export interface MonitoredEntry {
  name: string;
  session: string;
  paneId: string | null;
  /** The agent as registered (a profile name, or custom). */
  agent: string;
  /** The profile its screen is classified with (custom when the registered one is not loaded). */
  classifyAs: string;
  stopped: boolean;
  /** kb itself is driving the session (a spawn or stop runs). */
  driven: 'starting' | 'stopping' | null;
  server: TmuxServer;
  /** Where the agent publishes its state (profile evidence, recorded at spawn). */
  evidence: { sessionDir: string | null; eventsLog: string | null };
  /** The agent CLI's version recorded at spawn. */
  version: string | null;
}

/** A --match glob, checked: a pattern picomatch cannot compile is a usage error. */
export function matcher(match: string | undefined): (name: string) => boolean {
  if (match === undefined) return () => true;
  try {
    picomatch.makeRe(match, { dot: true, strictBrackets: true });
    return picomatch(match, { dot: true });
  } catch (error) {
    throw new UsageError(`invalid --match ${JSON.stringify(match)}: ${(error as Error).message}`, 'use a glob such as "fix-*" or "{a,b}-*" (brackets must close)');
  }
}

/** Registry entries to watch, filtered by --match (name or tmux session), sorted by name. */
export function monitoredEntries(registry: Registry, socket: string | undefined, match: string | undefined, agents: AgentCatalog, now = Date.now()): MonitoredEntry[] {
  const isMatch = matcher(match);
  const out: MonitoredEntry[] = [];
  for (const [key, entry] of Object.entries(registry)) {
    const name = typeof entry.name === 'string' && entry.name ? entry.name : key;
    const session = typeof entry.tmux_session === 'string' && entry.tmux_session ? entry.tmux_session : name;
    if (!isMatch(name) && !isMatch(session)) continue;
    const paneId = typeof entry.pane_id === 'string' && /^%\d+$/.test(entry.pane_id) ? entry.pane_id : null;
    const agent = entryAgentName(entry, agents.default().name);
    out.push({
      name,
      session,
      paneId,
      agent,
      classifyAs: agents.find(agent)?.name ?? CUSTOM,
      stopped: typeof entry.stopped_at === 'string' && entry.stopped_at !== '',
      driven: drivenState(entry, now),
      // The recorded socket (null: the default server); legacy entries: the global --socket.
      server: entryServer(entry, { socket }),
      // Evidence files are on the machine the agent runs on: a remote session has the screen only.
      evidence: entryHost(entry)
        ? { sessionDir: null, eventsLog: null }
        : {
            sessionDir: typeof entry.session_dir === 'string' && entry.session_dir ? entry.session_dir : null,
            eventsLog: typeof entry.events_log === 'string' && entry.events_log ? entry.events_log : null,
          },
      version: typeof entry.agent_version === 'string' && entry.agent_version ? entry.agent_version : null,
    });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

interface CacheEntry {
  fingerprint: string;
  /** Whole epoch second in which the capture started. */
  startSec: number;
  capturedAt: number;
  /** When the screen first showed this classification (state and rule). */
  since: number;
  classification: Classification;
  content: string;
  /** The captured text: the same text again is not normalised and classified again. */
  raw: string;
  /** The normalised screen, kept for sessions with evidence (content when the file decides). */
  lines: readonly string[] | null;
  cursorY: number;
}

/** What the observer remembers of a session's evidence between cycles. */
interface EvidenceMemory {
  offset: number;
  events: HookEvent[];
  /** The last state file seen (its status and time), to notice a change. */
  stamp: string;
  /** Since when screen and evidence disagree, and whether that was reported. */
  disagreeSince: number | null;
  reported: boolean;
}

/** A screen rule and the agent's own state that tell different things for longer than --settle. */
export interface Disagreement {
  event: 'disagreement';
  name: string;
  session: string;
  screen: { state: string; rule: string | null };
  evidence: string;
  since: string;
  content: string;
}

/** What a pane's listing says about its screen, besides its activity time (compared apart). */
function fingerprint(p: PaneInfo): string {
  return `${p.width}x${p.height}|${p.historySize}|${p.cursorX},${p.cursorY}|${p.currentCommand}|${p.inMode ? 1 : 0}${p.alternateOn ? 1 : 0}|${p.dead ? 1 : 0}`;
}

export interface ObserverOptions {
  rules: RuleSet;
  /** The profiles (their input fields keep chrome out of `content`). */
  agents?: AgentCatalog;
  transport: (server: TmuxServer) => PaneTransport;
  now: () => number;
  /** Capture every live pane every cycle (benchmark: the full cost). */
  noChangeDetection?: boolean;
  /** A host that cannot be reached: an error (default), or the state `unreachable` for its sessions. */
  unreachable?: 'error' | 'state';
  /** Backoff before trying an unreachable host again: first wait, and the cap (default 1 s, 30 s). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How long screen and evidence may disagree before it is reported (ms, default 1000). */
  settleMs?: number;
  /** Told of each disagreement once, when it outlasted settleMs. */
  onDisagreement?: (d: Disagreement) => void;
}

/** A host that cannot be reached over ssh: the monitor's error names it and its sessions. */
export class HostUnreachableError extends KbError {
  readonly host: string;
  readonly sessions: string[];

  constructor(host: string, sessions: string[], cause: KbError) {
    super(`${cause.message}; its sessions: ${sessions.join(', ')}`, { hint: cause.hint, cause });
    this.name = 'HostUnreachableError';
    this.host = host;
    this.sessions = sessions;
  }
}

/** Is this failure of a remote server its host (or the ssh path to it) being unreachable? */
export function unreachableCause(server: TmuxServer, error: unknown): KbError | null {
  if (!server.host) return null;
  if (error instanceof SshError) return error;
  if (error instanceof ControlClosedError) {
    const ssh = (error as ControlClosedError & { ssh?: SshError }).ssh;
    if (ssh) return ssh;
    if (error.timedOut) return error;
  }
  return null;
}

interface DownHost {
  failures: number;
  retryAt: number;
}

export class Observer {
  private readonly transports = new Map<string, PaneTransport>();
  private readonly serverSeen = new Set<string>();
  private readonly cache = new Map<string, CacheEntry>();
  private readonly down = new Map<string, DownHost>();
  private readonly evidence = new Map<string, EvidenceMemory>();

  constructor(private readonly options: ObserverOptions) {}

  private transport(server: TmuxServer): PaneTransport {
    const key = serverKey(server);
    let t = this.transports.get(key);
    if (!t) {
      t = this.options.transport(server);
      this.transports.set(key, t);
    }
    return t;
  }

  /** One observation per entry, in the entries' order. Throws a KbError for tmux failures. */
  async observe(entries: readonly MonitoredEntry[]): Promise<Observation[]> {
    const byServer = new Map<string, MonitoredEntry[]>();
    for (const entry of entries) {
      if (entry.stopped) continue;
      const key = serverKey(entry.server);
      const list = byServer.get(key) ?? [];
      list.push(entry);
      byServer.set(key, list);
    }
    const results = new Map<MonitoredEntry, Observation>();
    await Promise.all([...byServer.entries()].map(([key, group]) => this.observeServer(key, group, results)));
    return entries.map((entry) => results.get(entry) ?? this.gone(entry, this.options.now()));
  }

  /** Exited at once: stopped, vanished, or the pane (or its server) is gone. */
  private gone(entry: MonitoredEntry, at: number): Observation {
    return {
      name: entry.name,
      session: entry.session,
      paneId: entry.paneId,
      agent: entry.agent,
      version: entry.version,
      state: 'exited',
      rule: null,
      answer: 'none',
      source: ['screen'],
      final: true,
      content: '',
      seenAt: at,
      capturedAt: at,
      ...(entry.server.host ? { host: entry.server.host } : {}),
    };
  }

  private unreachable(entry: MonitoredEntry, at: number): Observation {
    return { ...this.gone(entry, at), state: 'unreachable', final: false };
  }

  /**
   * One server's group, with its host's reachability: an unreachable host is an error, or
   * (unreachable: 'state') its sessions are `unreachable` until a retry after the backoff
   * gets through.
   */
  private async observeServer(key: string, group: MonitoredEntry[], results: Map<MonitoredEntry, Observation>): Promise<void> {
    const server = group[0]!.server;
    const down = this.down.get(key);
    if (down && this.options.now() < down.retryAt) {
      for (const entry of group) results.set(entry, this.unreachable(entry, this.options.now()));
      return;
    }
    // A retry: the failure remembered in the tmux layer (fail fast) must not answer for it.
    if (down) forgetUnresponsive(server);
    try {
      await this.observeReachable(key, group, results);
      this.down.delete(key);
    } catch (error) {
      const cause = unreachableCause(server, error);
      if (!cause) throw error;
      // The transport's connection is dead either way: the next try starts a fresh one.
      const transport = this.transports.get(key);
      this.transports.delete(key);
      await transport?.close().catch(() => undefined);
      if (this.options.unreachable !== 'state') throw new HostUnreachableError(server.host!, group.map((e) => e.name), cause);
      const failures = (down?.failures ?? 0) + 1;
      const base = this.options.retryBaseMs ?? 1000;
      const wait = Math.min(base * 2 ** (failures - 1), this.options.retryMaxMs ?? 30_000);
      const at = this.options.now();
      this.down.set(key, { failures, retryAt: at + wait });
      for (const entry of group) results.set(entry, this.unreachable(entry, at));
    }
  }

  private async observeReachable(key: string, group: MonitoredEntry[], results: Map<MonitoredEntry, Observation>): Promise<void> {
    const server = group[0]!.server;
    const transport = this.transport(server);
    const listedAt = this.options.now();
    const panes = await transport.listPanes();
    if (panes === null) {
      // Never seen: the sessions are simply gone (a private server exits with its last
      // session). Seen earlier in this run: the server died under us.
      if (this.serverSeen.has(key)) throw serverGone(server, 'it stopped while being monitored');
      for (const entry of group) results.set(entry, this.gone(entry, listedAt));
      return;
    }
    this.serverSeen.add(key);
    let byId = new Map(panes.map((p) => [p.paneId, p]));
    // A pane that was there last cycle and is not now: its session ended, or the whole server
    // is going down (kill-server ends the sessions first, and may still answer meanwhile).
    // Ask once more a moment later: a server that is gone then is an error, not "exited".
    const vanished = group.some((e) => e.paneId && !byId.has(e.paneId) && [...this.cache.keys()].some((k) => k.startsWith(`${key}\u0001${e.paneId}\u0001`)));
    // Every pane gone at once is what kill-server looks like while it runs: give it up to a second.
    if (vanished) {
      for (let look = 0; ; look++) {
        await new Promise((r) => setTimeout(r, 100));
        const again = await transport.listPanes();
        if (again === null) throw serverGone(server, 'it stopped while being monitored');
        byId = new Map(again.map((p) => [p.paneId, p]));
        if (again.length > 0 || look >= 9) break;
      }
    }
    for (const ck of this.cache.keys()) {
      const [server, paneId] = ck.split('\u0001');
      if (server === key && !byId.has(paneId!)) this.cache.delete(ck);
    }

    const live: Array<{ entry: MonitoredEntry; pane: PaneInfo }> = [];
    for (const entry of group) {
      let pane = entry.paneId ? byId.get(entry.paneId) : sessionPane(panes, entry.session);
      // A reused pane id in another session (a restarted server) is not this entry's pane.
      if (pane && entry.paneId && pane.sessionName !== entry.session) pane = undefined;
      if (!pane) {
        results.set(entry, this.gone(entry, listedAt));
        continue;
      }
      if (pane.dead) {
        results.set(entry, { ...this.gone(entry, listedAt), paneId: pane.paneId, rule: deadRule(this.options.rules, entry, pane) });
        continue;
      }
      live.push({ entry, pane });
    }

    // The agents' own state first: a change there means the screen must be read again now.
    const evidence = new Map<MonitoredEntry, Evidence>();
    const changed = new Set<MonitoredEntry>();
    await Promise.all(
      live.map(async ({ entry, pane }) => {
        if (!entry.evidence.sessionDir && !entry.evidence.eventsLog) return;
        const { ev, fresh } = await this.readEvidence(key, entry, pane);
        evidence.set(entry, ev);
        if (fresh) changed.add(entry);
      }),
    );

    const toCapture = new Set<string>();
    const nowSec = Math.floor(listedAt / 1000);
    for (const { entry, pane } of live) {
      const cached = this.cache.get(cacheKey(key, pane.paneId, entry.classifyAs));
      const unchanged =
        !this.options.noChangeDetection &&
        !changed.has(entry) &&
        cached !== undefined &&
        cached.fingerprint === fingerprint(pane) &&
        !activitySince(pane.windowActivity, cached.startSec, nowSec);
      if (!unchanged) toCapture.add(pane.paneId);
    }
    const startedAt = this.options.now();
    const captures = await transport.capture([...toCapture]);
    const capturedAt = this.options.now();

    for (const { entry, pane } of live) {
      const ck = cacheKey(key, pane.paneId, entry.classifyAs);
      let cached = this.cache.get(ck);
      let seenAt = listedAt;
      if (toCapture.has(pane.paneId)) {
        const raw = captures.get(pane.paneId);
        if (raw === null || raw === undefined) {
          this.cache.delete(ck);
          results.set(entry, this.gone(entry, capturedAt));
          continue;
        }
        const fp = fingerprint(pane);
        // The same text, command and cursor as last time (a busy pane's activity second keeps
        // it being captured): the same classification, without normalising it again.
        if (cached && !evidence.has(entry) && cached.raw === raw && cached.fingerprint === fp) {
          cached.startSec = Math.floor(startedAt / 1000);
          cached.capturedAt = capturedAt;
          results.set(entry, this.observation(entry, pane, cached, startedAt, evidence.get(entry), key));
          continue;
        }
        const screen = normalize(raw);
        const classification = classifyScreen(screen, this.options.rules, { agent: entry.classifyAs, command: pane.currentCommand, dead: false, cursorY: pane.cursorY });
        const same = cached !== undefined && cached.classification.state === classification.state && cached.classification.rule === classification.rule;
        cached = {
          fingerprint: fp,
          startSec: Math.floor(startedAt / 1000),
          capturedAt,
          since: same ? cached!.since : capturedAt,
          classification,
          // Only a session that needs the orchestrator shows its content: computed for those alone.
          content:
            classification.needs_intervention || classification.state === 'error'
              ? interventionContent(screen.lines, classification, this.inputStart(entry.classifyAs, screen.lines, pane))
              : '',
          raw,
          lines: evidence.has(entry) ? screen.lines : null,
          cursorY: pane.cursorY,
        };
        this.cache.set(ck, cached);
        seenAt = startedAt;
      }
      results.set(entry, this.observation(entry, pane, cached!, seenAt, evidence.get(entry), key));
    }
  }

  /** The session's state file and new hook events; `fresh` when either changed since the last cycle. */
  private async readEvidence(key: string, entry: MonitoredEntry, pane: PaneInfo): Promise<{ ev: Evidence; fresh: boolean }> {
    const mk = `${key}\u0000${entry.name}`;
    let mem = this.evidence.get(mk);
    if (!mem) {
      mem = { offset: 0, events: [], stamp: '', disagreeSince: null, reported: false };
      this.evidence.set(mk, mem);
    }
    const state = entry.evidence.sessionDir ? await findAgentState(entry.evidence.sessionDir, pane) : null;
    let fresh = false;
    if (entry.evidence.eventsLog) {
      const read = readEvents(entry.evidence.eventsLog, mem.offset);
      mem.offset = read.offset;
      if (read.events.length) {
        fresh = true;
        mem.events.push(...read.events);
        if (mem.events.length > 50) mem.events.splice(0, mem.events.length - 50);
      }
    }
    const stamp = state ? `${state.status}|${state.waitingFor ?? ''}|${state.updatedAt ?? ''}` : '';
    if (stamp !== mem.stamp) {
      fresh = true;
      mem.stamp = stamp;
    }
    return { ev: { state, events: mem.events }, fresh };
  }

  private observation(entry: MonitoredEntry, pane: PaneInfo, cached: CacheEntry, seenAt: number, ev: Evidence | undefined, key: string): Observation {
    const c = cached.classification;
    const base = {
      name: entry.name,
      session: entry.session,
      paneId: pane.paneId,
      agent: entry.agent,
      version: entry.version,
      final: false,
      seenAt,
      capturedAt: cached.capturedAt,
      ...(entry.server.host ? { host: entry.server.host } : {}),
    };
    // While kb's own spawn or stop drives the session, its dialogs are not the orchestrator's.
    if (entry.driven) return { ...base, state: entry.driven, rule: c.rule, answer: 'none', content: '', source: ['screen'] };
    if (!ev) return { ...base, state: c.state, rule: c.rule, answer: c.answer, content: cached.content, source: ['screen'] };
    const now = this.options.now();
    const m = mergeEvidence(c, ev, now, cached.since);
    this.noteDisagreement(key, entry, m, c, cached, now);
    let content = cached.content;
    if (m.state !== c.state && (m.state === 'permission_approval' || m.state === 'question')) {
      // The agent says it waits, the screen rules do not see it: its last lines, as they are.
      content = cached.lines ? interventionContent(cached.lines, { ...c, evidenceLines: [], answer: m.answer }, this.inputStart(entry.classifyAs, cached.lines, pane)) : '';
    }
    return {
      ...base,
      state: m.state,
      rule: m.rule,
      answer: m.answer,
      content,
      source: m.source,
      ...(m.tool ? { tool: m.tool } : {}),
      ...(m.detail ? { detail: m.detail } : {}),
      ...(ev.state?.version ? { version: ev.state.version } : {}),
      ...(m.recheckAt ? { recheckAt: m.recheckAt } : {}),
    };
  }

  /** Reports a disagreement once it outlasted --settle (and again only after they agreed). */
  private noteDisagreement(key: string, entry: MonitoredEntry, m: Merged, c: Classification, cached: CacheEntry, now: number): void {
    const mem = this.evidence.get(`${key}\u0000${entry.name}`);
    if (!mem) return;
    if (!m.disagreement) {
      mem.disagreeSince = null;
      mem.reported = false;
      return;
    }
    mem.disagreeSince ??= Math.max(cached.since, now - 1);
    if (mem.reported || now - mem.disagreeSince < (this.options.settleMs ?? 1000)) return;
    mem.reported = true;
    this.options.onDisagreement?.({
      event: 'disagreement',
      name: entry.name,
      session: entry.session,
      screen: { state: c.state, rule: c.rule },
      evidence: m.disagreement.evidence,
      since: new Date(mem.disagreeSince).toISOString(),
      content: cached.lines ? cached.lines.filter((l) => l.trim() !== '').slice(-8).join('\n') : '',
    });
  }

  /** The first line of the agent's input field on this screen (chrome from there down), if drawn. */
  private inputStart(agent: string, lines: readonly string[], pane: PaneInfo): number | undefined {
    const input = this.options.agents?.find(agent)?.input;
    if (!input) return undefined;
    const found = input(screenContext(lines, { cursorY: pane.cursorY }));
    return found.length ? found[0] : undefined;
  }

  /** Forgets cached classifications (keeps connections). */
  reset(): void {
    this.cache.clear();
  }

  /** Process ids of helper processes (control clients). */
  helperPids(): number[] {
    return [...this.transports.values()].flatMap((t) => t.helperPids());
  }

  async close(): Promise<void> {
    const all = [...this.transports.values()];
    this.transports.clear();
    await Promise.all(all.map((t) => t.close().catch(() => undefined)));
  }
}

// \u0001: a server key itself holds \u0000 between host and socket.
/**
 * Can the pane have drawn since the capture that started in second `capturedSec`? tmux keeps a
 * window's last activity to the second. Later than that second: yes. Earlier: no. The same
 * second is ambiguous (before or after the capture?): it is settled by one capture in a later
 * second, so a pane that keeps drawing is captured about once a second, not on every cycle of
 * a sub-second --interval; a change in the second of a capture is seen within a second.
 */
export function activitySince(activitySec: number, capturedSec: number, nowSec: number): boolean {
  if (activitySec > capturedSec) return true;
  return activitySec === capturedSec && nowSec > capturedSec;
}

function cacheKey(server: string, paneId: string, agent: string): string {
  return `${server}\u0001${paneId}\u0001${agent}`;
}

function deadRule(rules: RuleSet, entry: MonitoredEntry, pane: PaneInfo): string | null {
  const c = classifyScreen({ lines: [] }, rules, { agent: entry.classifyAs, command: pane.currentCommand, dead: true });
  return c.state === 'exited' ? c.rule : null;
}
