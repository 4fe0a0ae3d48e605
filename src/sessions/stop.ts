/**
 * stop: the agent's graceful exit as its profile describes it (key steps, a slash command),
 * answering exit-time dialogs so no work is lost (Claude Code's worktree dialog: "Keep
 * worktree"), cancelling any other dialog in the way, a force kill after the timeout, and
 * the resume id and command line from the last screen, as clean text.
 */
import type { Agent } from '../agents/catalog.js';
import type { Clock } from '../clock.js';
import { killSession } from '../tmux/session.js';
import type { SessionContext } from './context.js';
import { moveToOption, selectedLine } from './dialogs.js';
import { drivingMark } from './driving.js';
import { withPaneLock } from './lock.js';
import type { PaneIO } from './pane-io.js';
import { updateRegistry, type RegistryEntry } from './registry.js';
import { worktreeOf } from './status.js';
import { entryPane, entryServer, entrySession, getEntry, paneIO, requireEntryAgent } from './target.js';
import { existingPathOn } from './worktree.js';

export interface StopOutput {
  status: 'stopped';
  name: string;
  forced: boolean;
  /** The kept worktree's path (on `host` for a remote session). */
  worktree: string | null;
  host?: string;
  resume_id: string | null;
  /** The command line the agent printed to resume (`claude --worktree w1 --resume <id>`). */
  resume_command: string | null;
}

/** The last resume id the profile's pattern finds on a screen. */
export function findResumeId(agent: Agent, text: string): string | null {
  if (!agent.resume) return null;
  let best: { at: number; id: string } | null = null;
  for (const m of text.matchAll(agent.resume.pattern)) {
    if (m[1] && (!best || (m.index ?? 0) >= best.at)) best = { at: m.index ?? 0, id: m[1] };
  }
  return best?.id ?? null;
}

/**
 * The command line printed with the id: from the program's name to the end of the id, on
 * the last line that holds it. Box drawing and padding around it are not part of it.
 */
export function findResumeCommand(agent: Agent, text: string, id: string): string | null {
  if (!agent.resume) return null;
  const lines = text.split('\n').filter((l) => l.includes(id));
  const line = lines[lines.length - 1] ?? '';
  const end = line.lastIndexOf(id) + id.length;
  const program = agent.resume.program.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  let start = -1;
  for (const m of line.slice(0, end).matchAll(new RegExp(`(^|[\\s"'\`(])${program}\\b`, 'g'))) start = (m.index ?? 0) + m[1]!.length;
  if (start < 0) return null;
  return line.slice(start, end).replace(/\s+/g, ' ').trim();
}

/** Drives the agent to exit as its profile says; true when it did before the deadline. */
export async function driveExit(io: PaneIO, agent: Agent, clock: Clock, deadline: number): Promise<boolean> {
  let lastAction = 0;
  let step = 0;
  let waitMs = 0;
  while (clock.now() < deadline) {
    const obs = await io.observe();
    if (!obs.pane || obs.pane.dead) return true;
    if (obs.pane.inMode) await io.leaveMode();
    const exitDialog = agent.exitDialogs.find((d) => obs.lines.some((l) => d.match.test(l)));
    if (exitDialog && selectedLine(obs.lines) >= 0) {
      await moveToOption(io, clock, obs, (text) => exitDialog.choose.test(text));
      lastAction = clock.now();
      waitMs = 2500;
      await clock.sleep(400);
      continue;
    }
    if (obs.classification.answer === 'keys' && clock.now() - lastAction > 1500) {
      // Some other dialog (a permission prompt): cancel it rather than answer it.
      for (const k of agent.cancelKeys) await io.key(k);
      lastAction = clock.now();
      waitMs = 1500;
      await clock.sleep(300);
      continue;
    }
    if (clock.now() - lastAction < waitMs) {
      await clock.sleep(150);
      continue;
    }
    const s = agent.exitSteps[Math.min(step, agent.exitSteps.length - 1)]!;
    for (const [i, k] of s.keys.entries()) {
      if (i) await clock.sleep(s.gapMs);
      await io.key(k);
    }
    if (s.text !== undefined) {
      if (s.keys.length) await clock.sleep(200);
      await io.literal(s.text);
      await clock.sleep(300);
      for (const k of agent.submit) await io.key(k);
    }
    step++;
    lastAction = clock.now();
    waitMs = s.waitMs;
    await clock.sleep(200);
  }
  return false;
}

async function mark(ctx: SessionContext, entry: RegistryEntry, driving: unknown): Promise<void> {
  await updateRegistry(ctx.registry, (registry) => {
    const current = registry[entry.name];
    if (!current || current.spawned_at !== entry.spawned_at) return;
    if (driving === undefined) delete current.driving;
    else current.driving = driving;
  });
}

export async function stopSession(ctx: SessionContext, name: string, timeoutMs: number): Promise<StopOutput> {
  const entry = await getEntry(ctx, name);
  const server = entryServer(entry, ctx.server);
  const session = entrySession(entry);
  const pane = await entryPane(entry, ctx.server);
  let forced = false;
  let resumeId: string | null = null;
  let resumeCommand: string | null = null;
  if (pane && session !== null) {
    const agent = requireEntryAgent(ctx, entry);
    const deadline = ctx.clock.now() + timeoutMs;
    await withPaneLock(ctx, server, pane.paneId, { what: 'stop it', name, waitMs: timeoutMs }, async () => {
      await mark(ctx, entry, drivingMark('stop', ctx.clock.now()));
      try {
        const io = paneIO(ctx, { entry, server, session, pane }, agent);
        if (!pane.dead) forced = !(await driveExit(io, agent, ctx.clock, deadline));
        const finalScreen = (await io.history(3000)).join('\n');
        resumeId = findResumeId(agent, finalScreen);
        resumeCommand = resumeId ? findResumeCommand(agent, finalScreen, resumeId) : null;
        await killSession(server, session);
      } finally {
        await mark(ctx, entry, undefined);
      }
    });
  }
  const stoppedAt = new Date(ctx.clock.now()).toISOString();
  await updateRegistry(ctx.registry, (registry) => {
    const current = registry[name];
    if (!current || current.spawned_at !== entry.spawned_at) return;
    current.stopped_at ??= stoppedAt;
    if (resumeId) current.resume_id = resumeId;
    if (resumeCommand) current.resume_command = resumeCommand;
    if (forced) current.forced_stop = true;
  });
  return {
    status: 'stopped',
    name,
    forced,
    worktree: await existingPathOn(server, worktreeOf(entry)),
    ...(server.host ? { host: server.host } : {}),
    resume_id: resumeId ?? entry.resume_id ?? null,
    resume_command: resumeCommand ?? (typeof entry.resume_command === 'string' ? entry.resume_command : null),
  };
}

/** kill: at once, no exit dialogs; the entry stays (stopped) until forget. */
export async function killSessionNow(ctx: SessionContext, name: string): Promise<{ status: 'killed'; name: string; worktree: string | null; host?: string }> {
  const entry = await getEntry(ctx, name);
  const session = entrySession(entry);
  const server = entryServer(entry, ctx.server);
  if (session !== null) await killSession(server, session);
  const stoppedAt = new Date(ctx.clock.now()).toISOString();
  await updateRegistry(ctx.registry, (registry) => {
    const current = registry[name];
    if (current && current.spawned_at === entry.spawned_at) {
      current.stopped_at ??= stoppedAt;
      current.killed = true;
      delete current.driving;
    }
  });
  return { status: 'killed', name, worktree: await existingPathOn(server, worktreeOf(entry)), ...(server.host ? { host: server.host } : {}) };
}
