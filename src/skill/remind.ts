/**
 * `kb skill remind`: what the orchestrator's stop hook runs when its turn ends. It reads the
 * hook event (JSON on stdin), finds the sessions still alive in every registry of the
 * project's state directory, and prints the hook's "take one more turn" object with a
 * reminder, or nothing. The hook protocol (which event fields mean "stay quiet", the output
 * shape) is data from skill/skill.yaml. It never fails the caller's turn: the command exits 0.
 */
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import pLimit from 'p-limit';
import type { Stack } from '../agents/stack.js';
import { createSessionContext } from '../sessions/context.js';
import { readRegistryOrEmpty } from '../sessions/registry.js';
import { sessionStatusOrUnreachable } from '../sessions/status.js';
import { DEFAULT_SESSION_ID } from '../state/paths.js';
import type { StopHook } from './layout.js';

export interface LiveGroup {
  sessionId: string;
  sessions: { name: string; state: string }[];
}

/** True when the event says the session must not be held back (see skill.yaml quiet_when). */
export function quietEvent(event: unknown, hook: StopHook): boolean {
  if (!event || typeof event !== 'object') return false;
  const e = event as Record<string, unknown>;
  return hook.quietWhen.some((k) => {
    const v = e[k];
    return Array.isArray(v) ? v.length > 0 : v === true;
  });
}

function sessionFlag(sessionId: string): string {
  return sessionId === DEFAULT_SESSION_ID ? '' : ` --session-id ${sessionId}`;
}

/** The reminder, one paragraph. */
export function reminderText(groups: readonly LiveGroup[]): string {
  const count = groups.reduce((n, g) => n + g.sessions.length, 0);
  const lists = groups.map((g) => {
    const names = g.sessions.map((s) => `${s.name} (${s.state})`).join(', ');
    return g.sessionId === DEFAULT_SESSION_ID ? names : `${names} [--session-id ${g.sessionId}]`;
  });
  const ids = groups.map((g) => g.sessionId);
  const flag = ids.length === 1 ? sessionFlag(ids[0]!) : ' --session-id ID';
  const how = `stop one: kb${flag} stop --name NAME; list them: kb${flag} list`;
  return (
    `kage-bunshin: ${count} session${count === 1 ? '' : 's'} you spawned ${count === 1 ? 'is' : 'are'} still running: ${lists.join('; ')}. ` +
    `Stop the ones whose task is done (${how}), or say in one line why they stay up; then end your turn.`
  );
}

/** `/tmp/tmux-0/fleet,1234,0` -> `fleet`. */
export function socketOfTmuxEnv(tmux: string | undefined): string | null {
  if (!tmux) return null;
  return basename(tmux.split(',')[0] ?? '') || null;
}

export interface LiveOptions {
  stateDir: string;
  socket: string | undefined;
  cwd: string;
  env: NodeJS.ProcessEnv;
  stack: () => Stack;
}

export interface LiveResult {
  groups: LiveGroup[];
  /** The caller runs inside a session kb spawned (a worker, not the orchestrator). */
  insideFleet: boolean;
}

/** Every registry in the state directory, and the sessions in it that are alive. */
export async function liveSessions(options: LiveOptions): Promise<LiveResult> {
  const dir = join(options.stateDir, 'kage-bunshin');
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return { groups: [], insideFleet: false };
  }
  const ownPane = options.env.TMUX_PANE;
  const ownSocket = socketOfTmuxEnv(options.env.TMUX);
  const limit = pLimit(8);
  let insideFleet = false;
  const groups: LiveGroup[] = [];
  for (const file of names.sort()) {
    const m = /^registry-([A-Za-z0-9_-]{1,64})\.json$/.exec(file);
    if (!m) continue;
    const sessionId = m[1]!;
    const registry = await readRegistryOrEmpty(join(dir, file));
    const ctx = createSessionContext({ sessionId, socket: options.socket, stateDir: options.stateDir, cwd: options.cwd, env: options.env, stack: options.stack });
    const entries = Object.values(registry).filter((e) => !e.stopped_at);
    for (const e of entries) {
      const socket = Object.prototype.hasOwnProperty.call(e, 'socket') ? (e.socket ?? 'default') : (options.socket ?? 'default');
      // A session on another host is never the pane this hook runs in.
      if (ownPane && !e.host && e.pane_id === ownPane && socket === (ownSocket ?? 'default')) insideFleet = true;
    }
    if (insideFleet) return { groups: [], insideFleet };
    const statuses = await Promise.all(entries.map((e) => limit(() => sessionStatusOrUnreachable(ctx, e))));
    const sessions = statuses.filter((s) => s.alive).map((s) => ({ name: s.name, state: s.state }));
    if (sessions.length) groups.push({ sessionId, sessions });
  }
  return { groups, insideFleet };
}

/** What the hook prints: the protocol's output object with the reminder, or null. */
export function hookOutput(hook: StopHook, groups: readonly LiveGroup[]): Record<string, unknown> | null {
  if (groups.length === 0) return null;
  return { ...hook.output, [hook.reasonField]: reminderText(groups) };
}
