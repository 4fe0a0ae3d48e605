/**
 * spawn: reserve the name in the registry, create the tmux session with the agent as its
 * command, wait until the classifier sees its REPL idle (answering or reporting first-run
 * dialogs), then deliver the prompt like `send`.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ExitCode, KbError, UsageError } from '../errors.js';
import { runTmuxOk } from '../tmux/run.js';
import { capturePane, hasSession, killSession, newSession, respawnPane, sessionPanes } from '../tmux/session.js';
import { normalize } from '../screen/normalize.js';
import { agentBinary, buildLaunch, isRootUser, type AgentLaunch } from './agents.js';
import type { SessionContext } from './context.js';
import { acceptDialog, isFirstRunDialog } from './dialogs.js';
import { planLaunch } from './launch-env.js';
import { isWorking, lastLines, observe, sleep, type Observation } from './observe.js';
import { NAME_PATTERN, requireName } from './options.js';
import { updateRegistry, type RegistryEntry } from './registry.js';
import { paneRef, sendMessage, type PaneRef } from './send.js';
import { entryPane, entryServer } from './target.js';
import { claudeWorktreePath, existingPath } from './worktree.js';

export interface SpawnOptions {
  name?: string | undefined;
  prompt?: string | undefined;
  agent: string;
  model?: string | undefined;
  maxBudget?: string | undefined;
  permissionMode?: string | undefined;
  width: number;
  height: number;
  acceptDialogs: boolean;
  readyTimeoutMs: number;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface SpawnOutcome {
  exitCode: ExitCode;
  output: Record<string, unknown>;
}

/** A name from the prompt's first words: "Fix the login bug!" -> "fix-the-login-bug". */
export function nameFromPrompt(prompt: string): string {
  const words = prompt.toLowerCase().match(/[a-z0-9]+/g) ?? [];
  let name = '';
  for (const w of words.slice(0, 5)) {
    const next = name ? `${name}-${w}` : w;
    if (next.length > 40) break;
    name = next;
  }
  return name || 'session';
}

export function parseSize(size: string): { width: number; height: number } {
  const m = /^(\d{1,4})x(\d{1,4})$/.exec(size);
  const width = m ? Number(m[1]) : NaN;
  const height = m ? Number(m[2]) : NaN;
  if (!m || width < 20 || height < 5 || width > 1000 || height > 1000) {
    throw new UsageError(`invalid --size ${JSON.stringify(size)}`, 'use WIDTHxHEIGHT, e.g. 200x50 (at least 20x5)');
  }
  return { width, height };
}

/** Under the lock: refuses a live name, replaces a dead or stopped one, records the new entry. */
async function reserve(
  ctx: SessionContext,
  options: SpawnOptions,
  launchFor: (name: string) => AgentLaunch,
): Promise<{ entry: RegistryEntry; launch: AgentLaunch }> {
  const explicit = options.name !== undefined;
  const base = explicit ? requireName(options.name!) : nameFromPrompt(options.prompt ?? '');
  return updateRegistry(ctx.registry, async (registry) => {
    for (let n = 1; n <= 50; n++) {
      const name = n === 1 ? base : `${base.slice(0, 60)}-${n}`;
      const existing = registry[name];
      if (existing) {
        const pane = await entryPane(existing, ctx.server);
        // Another spawn reserved this name and is still creating its session.
        const starting = existing.starting === true && Date.now() - Date.parse(existing.spawned_at) < 120_000;
        if (starting || (pane && !pane.dead && !existing.stopped_at)) {
          if (explicit) {
            throw new KbError(`a session named "${name}" is already running (tmux session "${existing.tmux_session}")`, {
              hint: `pick another --name, or stop it first: kb stop --name ${name}`,
            });
          }
          continue;
        }
        // Dead or stopped: replace it, removing a dead pane that remain-on-exit kept.
        if (pane) await killSession(entryServer(existing, ctx.server), existing.tmux_session);
      } else if (await hasSession(ctx.server, name)) {
        if (explicit) {
          throw new KbError(`a tmux session named "${name}" already exists and is not in this registry`, {
            hint: 'pick another --name (another orchestrator or a person may own that session)',
          });
        }
        continue;
      }
      const launch = launchFor(name);
      const worktreePath = launch.worktree ? claudeWorktreePath(options.cwd, launch.worktree) : null;
      const entry: RegistryEntry = {
        name,
        model: options.model ?? null,
        spawned_at: new Date().toISOString(),
        worktree: launch.worktree,
        tmux_session: name,
        socket: ctx.server.socket ?? null,
        agent: launch.agent,
        cwd: options.cwd,
        worktree_path: worktreePath,
        resume_id: null,
        stopped_at: null,
        starting: true,
      };
      registry[name] = entry;
      return { entry, launch };
    }
    throw new KbError(`no free session name derived from "${base}"`, { hint: 'pass --name NAME' });
  });
}

async function patchEntry(ctx: SessionContext, entry: RegistryEntry, patch: Partial<RegistryEntry> | null): Promise<void> {
  await updateRegistry(ctx.registry, (registry) => {
    const current = registry[entry.name];
    if (!current || current.spawned_at !== entry.spawned_at) return;
    if (patch === null) delete registry[entry.name];
    else Object.assign(current, patch);
  });
}

type Ready =
  | { kind: 'ready'; obs: Observation }
  | { kind: 'dialog'; obs: Observation }
  | { kind: 'exited'; obs: Observation };

async function waitReady(ref: PaneRef, launch: AgentLaunch, options: SpawnOptions): Promise<Ready> {
  const deadline = Date.now() + options.readyTimeoutMs;
  const genericReady = launch.kind === 'shell' || launch.kind === 'custom';
  let idleSince = 0;
  let stableSince = Date.now();
  let lastRaw = '';
  let answered = 0;
  let obs: Observation;
  for (;;) {
    obs = await observe(ref.server, ref.session, ref.paneId, ref.agent, ref.rules);
    const now = Date.now();
    const cls = obs.classification;
    if (!obs.pane || obs.pane.dead || cls.state === 'exited') return { kind: 'exited', obs };
    if (obs.raw !== lastRaw) {
      lastRaw = obs.raw;
      stableSince = now;
    }
    if (cls.needs_intervention && cls.answer === 'keys') {
      if (options.acceptDialogs && isFirstRunDialog(cls.rule) && answered < 6) {
        // Wait for the dialog to settle (its first frames may still be drawing).
        if (now - stableSince >= 300) {
          const result = await acceptDialog(ref, obs);
          if (!result.ok) return { kind: 'dialog', obs };
          answered++;
          idleSince = 0;
          await sleep(400);
        }
      } else if (now - stableSince >= 300) {
        return { kind: 'dialog', obs };
      }
    } else if (cls.state === 'idle') {
      if (idleSince === 0) idleSince = now;
      // Idle twice, 600 ms apart: a first-run dialog can replace the first idle frame.
      if (now - idleSince >= 600) return { kind: 'ready', obs };
    } else {
      idleSince = 0;
      // A shell or a plain command has no REPL the rules know: a settled screen is ready.
      // Without a prompt to deliver, an agent screen the rules do not know is reported
      // as it is (state unknown) once it has settled.
      const settleMs = genericReady ? 1500 : options.prompt ? Infinity : 3000;
      if (!isWorking(obs, ref.agent) && now - stableSince >= settleMs && lastRaw.trim() !== '') {
        return { kind: 'ready', obs };
      }
    }
    if (now >= deadline) {
      throw new KbError(
        `${launch.agent} in session "${ref.session}" was not ready after ${Math.round(options.readyTimeoutMs / 1000)} s (state ${cls.state}${cls.rule ? `, rule ${cls.rule}` : ''}); last screen lines:\n${lastLines(obs.lines)}`,
        { hint: `look at it with kb read --name ${ref.session}; raise --ready-timeout, or kill it: kb kill --name ${ref.session}` },
      );
    }
    await sleep(150);
  }
}

/** A path ending in `.claude/worktrees/<name>` on the screen (Claude Code's banner). */
export function worktreeOnScreen(lines: readonly string[], name: string): string | null {
  const suffix = `/.claude/worktrees/${name}`;
  for (const line of lines) {
    for (const word of line.split(/\s+/)) {
      if (word.startsWith('/') && word.endsWith(suffix)) return word;
    }
  }
  return null;
}

const TRUST_MISSING = /Workspace trust not yet accepted/i;

/**
 * tmux can notice that a program exited before it has drawn the program's last output:
 * give it a moment and capture again, so the error message is not lost.
 */
async function settleDeadScreen(ref: PaneRef, obs: Observation): Promise<Observation> {
  if (!obs.pane) return obs;
  let last = obs;
  for (let i = 0; i < 25; i++) {
    await sleep(100);
    // With history: Claude Code can move its last words off the visible screen as it exits.
    const raw = await capturePane(ref.server, ref.paneId, { escapes: true, join: true, history: 200 }).catch(() => last.raw);
    const lines = [...normalize(raw).lines];
    // tmux marks a pane dead when its pty closes, and learns the exit status a moment later
    // (when it reaps the child): re-read the facts until the status is there.
    const pane = last.pane?.dead && last.pane.deadStatus === null
      ? ((await sessionPanes(ref.server, ref.session).catch(() => [])).find((p) => p.paneId === ref.paneId) ?? last.pane)
      : last.pane;
    const settled = raw === last.raw && lines.some((l) => l.trim() !== '') && !(pane?.dead && pane.deadStatus === null);
    last = { ...last, raw, lines, pane };
    if (settled) break;
  }
  return last;
}

/** Runs plain `claude` in the pane, accepts its first-run dialogs (trust), and exits it. */
async function trustPass(ctx: SessionContext, ref: PaneRef, options: SpawnOptions, scriptDir: string, name: string): Promise<void> {
  const plain: AgentLaunch = { kind: 'claude', agent: 'claude', command: [agentBinary('claude', options.env), '--permission-mode', 'default'], worktree: null };
  // (more than one argument: tmux execs it directly, so the pane's command is claude, not sh)
  const plan = await planLaunch(ctx.server, options.env, plain.command, scriptDir, name);
  await respawnPane(ctx.server, ref.paneId, { cwd: options.cwd, env: plan.env, command: plan.command });
  const result = await waitReady(ref, plain, { ...options, prompt: undefined, acceptDialogs: true });
  if (result.kind !== 'ready') {
    const obs = result.kind === 'exited' ? await settleDeadScreen(ref, result.obs) : result.obs;
    throw new KbError(`could not accept the workspace trust of ${options.cwd} (claude ${result.kind === 'exited' ? 'exited' : 'stopped at another dialog'}); last screen lines:\n${lastLines(obs.lines)}`, {
      hint: `run claude in ${options.cwd} yourself, accept the trust dialog, then spawn again`,
    });
  }
  for (let i = 0; i < 3; i++) {
    await runTmuxOk(ref.server, ['send-keys', '-t', ref.paneId, 'C-c']);
    await sleep(250);
    await runTmuxOk(ref.server, ['send-keys', '-t', ref.paneId, 'C-c']);
    for (let j = 0; j < 20; j++) {
      await sleep(150);
      const obs = await observe(ref.server, ref.session, ref.paneId, ref.agent, ref.rules);
      if (!obs.pane || obs.pane.dead) return;
    }
  }
  throw new KbError('claude did not exit after its workspace trust was accepted', { hint: `look at it with kb read --name ${name}` });
}

export async function spawnSession(ctx: SessionContext, options: SpawnOptions): Promise<SpawnOutcome> {
  if (options.name !== undefined && !NAME_PATTERN.test(options.name)) requireName(options.name);
  if (options.name === undefined && !options.prompt) {
    throw new UsageError('spawn needs --name or a prompt to derive the name from', 'kb spawn --name worker-1 "prompt"');
  }
  const launchFor = (name: string) => buildLaunch(options.agent, { ...options, name, env: options.env, isRoot: isRootUser() });
  launchFor('x'); // validates the flags before the registry is touched
  const { entry, launch } = await reserve(ctx, options, launchFor);
  const started = Date.now();
  const scriptDir = join(ctx.stateDir, 'kage-bunshin', 'launch');
  let paneId: string;
  try {
    const plan = await planLaunch(ctx.server, options.env, launch.command, scriptDir, entry.name);
    paneId = await newSession(ctx.server, {
      name: entry.tmux_session,
      cwd: options.cwd,
      width: options.width,
      height: options.height,
      env: plan.env,
      command: plan.command,
    });
  } catch (error) {
    await patchEntry(ctx, entry, null);
    throw error;
  }
  await patchEntry(ctx, entry, { pane_id: paneId, starting: undefined });
  entry.pane_id = paneId;
  const ref = paneRef(entry, ctx.server, paneId, await ctx.rules());
  let ready: Ready;
  try {
    ready = await waitReady(ref, launch, options);
    if (ready.kind === 'exited') ready = { kind: 'exited', obs: await settleDeadScreen(ref, ready.obs) };
    if (ready.kind === 'exited' && launch.kind === 'claude' && TRUST_MISSING.test(ready.obs.lines.join(' '))) {
      // `claude --worktree` in a folder whose trust was never accepted does not show the
      // trust dialog: it exits. Accepting means running plain `claude` there once.
      if (!options.acceptDialogs) {
        return {
          exitCode: ExitCode.dialog,
          output: {
            status: 'needs_intervention',
            name: entry.name,
            tmux_session: entry.tmux_session,
            pane_id: paneId,
            agent: launch.agent,
            state: 'permission_approval',
            rule: 'claude-code/workspace-trust',
            content: lastLines(ready.obs.lines.filter((l) => !/^Pane is dead/.test(l))),
            hint: `the workspace trust of ${options.cwd} was never accepted: spawn again with --accept-dialogs (it runs claude there once and chooses "Yes, I trust this folder"), or run claude in that folder yourself and accept`,
          },
        };
      }
      await trustPass(ctx, ref, options, scriptDir, entry.name);
      const plan = await planLaunch(ctx.server, options.env, launch.command, scriptDir, entry.name);
      await respawnPane(ctx.server, paneId, { cwd: options.cwd, env: plan.env, command: plan.command });
      ready = await waitReady(ref, launch, options);
      if (ready.kind === 'exited') ready = { kind: 'exited', obs: await settleDeadScreen(ref, ready.obs) };
    }
  } finally {
    await rm(join(scriptDir, `launch-${entry.name}.sh`), { force: true });
  }
  const base = {
    name: entry.name,
    tmux_session: entry.tmux_session,
    pane_id: paneId,
    agent: launch.agent,
  };
  if (ready.kind === 'exited') {
    const status = ready.obs.pane?.deadStatus;
    throw new KbError(
      `${launch.agent} exited during start in session "${entry.name}"${status === null || status === undefined ? '' : ` (exit status ${status})`}; its last screen lines:\n${lastLines(ready.obs.lines.filter((l) => !/^Pane is dead/.test(l)))}`,
      { hint: `read the whole screen with kb read --name ${entry.name}; fix the cause, then spawn again (a dead entry is replaced)` },
    );
  }
  if (ready.kind === 'dialog') {
    const c = ready.obs.classification;
    return {
      exitCode: ExitCode.dialog,
      output: {
        status: 'needs_intervention',
        ...base,
        state: c.state,
        rule: c.rule,
        content: lastLines(ready.obs.lines),
        hint: isFirstRunDialog(c.rule)
          ? `answer it with kb send --name ${entry.name} --keys ... (move to the accepting option, then Enter), or kb kill --name ${entry.name} and spawn again with --accept-dialogs`
          : `answer it with kb send --name ${entry.name} --keys ...`,
      },
    };
  }
  const readyMs = Date.now() - started;
  const state = ready.obs.classification.state;
  if (launch.worktree) {
    // Claude Code shows its working directory in the banner: the worktree it really made.
    const shown = worktreeOnScreen(ready.obs.lines, launch.worktree);
    if (shown && shown !== entry.worktree_path) {
      entry.worktree_path = shown;
      await patchEntry(ctx, entry, { worktree_path: shown });
    }
  }
  if (options.prompt) await sendMessage(ref, options.prompt, { name: entry.name });
  return {
    exitCode: ExitCode.ok,
    output: {
      ...base,
      model: entry.model,
      spawned_at: entry.spawned_at,
      worktree: existingPath(entry.worktree_path) ?? entry.worktree_path ?? null,
      state,
      ready_ms: readyMs,
      prompt_sent: Boolean(options.prompt),
    },
  };
}
