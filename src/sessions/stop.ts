/**
 * stop: a graceful exit per agent (Claude Code: Ctrl-C twice within a second, then /exit),
 * answering exit-time dialogs so no work is lost (the worktree dialog: always "Keep
 * worktree"), a force kill after the timeout, and the resume id from the last screen.
 */
import { runTmuxOk } from '../tmux/run.js';
import { capturePane, killSession } from '../tmux/session.js';
import { agentKind } from './agents.js';
import type { SessionContext } from './context.js';
import { chooseOption, selectedLine } from './dialogs.js';
import { observe, sleep } from './observe.js';
import { updateRegistry } from './registry.js';
import { paneRef, type PaneRef } from './send.js';
import { worktreeOf } from './status.js';
import { entryPane, entryServer, getEntry } from './target.js';
import { existingPath } from './worktree.js';
import { sendLiteral } from '../tmux/keys.js';

export interface StopOutput {
  status: 'stopped';
  name: string;
  forced: boolean;
  worktree: string | null;
  resume_id: string | null;
  /** The command line the agent printed to resume (`claude --worktree w1 --resume <id>`). */
  resume_command: string | null;
}

const RESUME = [
  /claude\s+(?:--resume|-r)\s+([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/gi,
  /codex\s+resume\s+([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/gi,
  /--resume[= ]([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/gi,
];

/** The last resume id printed on a screen (`claude --resume <uuid>`, `codex resume <uuid>`). */
export function findResumeId(text: string): string | null {
  let best: { at: number; id: string } | null = null;
  for (const pattern of RESUME) {
    for (const m of text.matchAll(pattern)) {
      if (!best || (m.index ?? 0) > best.at) best = { at: m.index ?? 0, id: m[1]! };
    }
  }
  return best?.id ?? null;
}

/** The whole command line printed with the id (`claude --worktree w1 --resume <id>`), if any. */
export function findResumeCommand(text: string, id: string): string | null {
  const lines = text.split('\n').filter((l) => l.includes(id));
  const line = lines[lines.length - 1]?.trim() ?? '';
  const m = /(?:^|\s)((?:claude|codex|gemini)\b.*)$/.exec(line);
  return m ? m[1]!.trim() : null;
}

const KEEP = /^Keep worktree\b/i;

const key = (ref: PaneRef, k: string) => runTmuxOk(ref.server, ['send-keys', '-t', ref.paneId, k]);

/** Drives the agent to exit; true when it did before the deadline. */
async function gracefulExit(ref: PaneRef, deadline: number): Promise<boolean> {
  const kind = agentKind(ref.agent);
  let lastAction = 0;
  let round = 0;
  while (Date.now() < deadline) {
    const obs = await observe(ref.server, ref.session, ref.paneId, ref.agent, ref.rules);
    if (!obs.pane || obs.pane.dead) return true;
    if (obs.pane.inMode) await runTmuxOk(ref.server, ['copy-mode', '-q', '-t', ref.paneId]);
    const cls = obs.classification;
    const keepLine = obs.lines.findIndex((l) => /Keep worktree/.test(l));
    if (keepLine >= 0 && selectedLine(obs.lines) >= 0) {
      // Exiting a worktree with changes: keep it (Remove would delete the agent's work).
      await chooseOption(ref, obs, KEEP);
      lastAction = Date.now();
      await sleep(400);
      continue;
    }
    if (cls.answer === 'keys' && Date.now() - lastAction > 1500) {
      // Some other dialog (a permission prompt): cancel it rather than answer it.
      await key(ref, 'Escape');
      lastAction = Date.now();
      await sleep(300);
      continue;
    }
    if (Date.now() - lastAction < 2500) {
      await sleep(150);
      continue;
    }
    if (kind === 'shell') {
      await key(ref, 'C-c');
      await sleep(150);
      await sendLiteral(ref.server, ref.paneId, 'exit');
      await key(ref, 'Enter');
    } else if (kind === 'claude' && round >= 2) {
      // Ctrl-C twice did not do it: clear the input and type /exit.
      await key(ref, 'C-c');
      await sleep(200);
      await sendLiteral(ref.server, ref.paneId, '/exit');
      await sleep(300);
      await key(ref, 'Enter');
    } else {
      // Claude Code, Codex and Gemini CLI exit on a second Ctrl-C within about a second.
      await key(ref, 'C-c');
      await sleep(250);
      await key(ref, 'C-c');
    }
    round++;
    lastAction = Date.now();
    await sleep(200);
  }
  return false;
}

export async function stopSession(ctx: SessionContext, name: string, timeoutMs: number): Promise<StopOutput> {
  const entry = await getEntry(ctx, name);
  const server = entryServer(entry, ctx.server);
  const pane = await entryPane(entry, ctx.server);
  let forced = false;
  let resumeId: string | null = null;
  let resumeCommand: string | null = null;
  if (pane) {
    const ref = paneRef(entry, server, pane.paneId, await ctx.rules());
    if (!pane.dead) forced = !(await gracefulExit(ref, Date.now() + timeoutMs));
    const finalScreen = await capturePane(server, pane.paneId, { join: true, history: 3000 }).catch(() => '');
    resumeId = findResumeId(finalScreen);
    resumeCommand = resumeId ? findResumeCommand(finalScreen, resumeId) : null;
    await killSession(server, entry.tmux_session);
  }
  const stoppedAt = new Date().toISOString();
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
    worktree: existingPath(worktreeOf(entry)),
    resume_id: resumeId ?? entry.resume_id ?? null,
    resume_command: resumeCommand ?? (typeof entry.resume_command === 'string' ? entry.resume_command : null),
  };
}
