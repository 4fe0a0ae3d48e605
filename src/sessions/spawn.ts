/**
 * spawn: reserve the name in the registry, create the tmux session, start the agent its
 * profile describes with the caller's environment (never on a command line), wait until
 * the classifier sees its REPL ready (answering or reporting first-run dialogs), then
 * deliver the prompt and prove it was taken. While it runs the entry is marked as driven
 * by spawn, so the monitor reports `starting`, not the dialogs spawn itself answers.
 */
import type { Agent } from '../agents/catalog.js';
import { CUSTOM } from '../agents/catalog.js';
import { buildLaunch, isRootUser, type Launch } from '../agents/launch.js';
import { fill } from '../agents/template.js';
import type { Clock } from '../clock.js';
import { ExitCode, KbError, UsageError } from '../errors.js';
import { existsSync, statSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import type { TmuxServer } from '../tmux/run.js';
import { hasSession, killSession, newSession, respawnPane } from '../tmux/session.js';
import { loginArgv, parseDestination } from '../tmux/ssh.js';
import { agentVersion, agentVersionOn } from './agent-version.js';
import { deliveryEvidence, evidencePaths, prepareEvidence } from './evidence.js';
import type { SessionContext } from './context.js';
import { acceptDialog, firstRunDialog } from './dialogs.js';
import { drivingMark, drivenState } from './driving.js';
import { applyEnvironment, clearEnvironment, parseEnvFlags, planEnvironment, planRemoteEnvironment, serverEnvironment, type EnvPlan } from './launch-env.js';
import { withPaneLock } from './lock.js';
import { NAME_PATTERN, requireName } from './options.js';
import { tmuxPaneIO, type Observation, type PaneIO } from './pane-io.js';
import { updateRegistry, type RegistryEntry } from './registry.js';
import { deliverText, DeliveryError, lastLines, type Delivery } from './send.js';
import { driveExit } from './stop.js';
import { entryPane, entryServer } from './target.js';
import { hostFacts } from './remote-host.js';
import { existingPath } from './worktree.js';

export interface SpawnOptions {
  name?: string | undefined;
  prompt?: string | undefined;
  /** A profile name (default claude); ignored with `command`. */
  agent?: string | undefined;
  /** A command line to run as the custom agent. */
  command?: string | undefined;
  model?: string | undefined;
  maxBudget?: string | undefined;
  permissionMode?: string | undefined;
  width: number;
  height: number;
  acceptDialogs: boolean;
  readyTimeoutMs: number;
  /** An ssh destination: start the session on that machine. */
  host?: string | undefined;
  /** The working directory (on the host for a remote session); default: the current one here, the login's home there. */
  cwd?: string | undefined;
  /** `NAME` or `NAME=VALUE`: variables the agent gets on top of its environment. */
  env?: readonly string[] | undefined;
}

export interface SpawnOutcome {
  exitCode: ExitCode;
  output: Record<string, unknown>;
  /** Printed on stderr beside the output (the prompt was not proven delivered). */
  error?: KbError;
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

/** The agent to run: --command is the custom agent; `--agent 'cmd args'` (a command line) too. */
export function resolveAgent(ctx: Pick<SessionContext, 'stack'>, options: Pick<SpawnOptions, 'agent' | 'command'>): { agent: Agent; command: string | undefined } {
  const agents = ctx.stack().agents;
  if (options.command !== undefined) {
    if (options.agent !== undefined && agents.find(options.agent)?.name !== CUSTOM) {
      throw new UsageError(`--command goes with no --agent (or --agent ${CUSTOM}), not with --agent ${options.agent}`, 'drop --command to run the agent, or drop --agent to run the command');
    }
    return { agent: agents.get(CUSTOM), command: options.command };
  }
  const name = options.agent ?? agents.default().name;
  if (name.trim() === '') throw new UsageError('--agent is empty', `use one of ${agents.names().join(', ')}, or --command 'CMD ...'`);
  // A command line given as --agent (it has a space or a path): the custom agent.
  if (/[\s/]/.test(name.trim()) && !agents.find(name)) return { agent: agents.get(CUSTOM), command: name };
  return { agent: agents.get(name), command: undefined };
}

/** Under the lock: refuses a live name, replaces a dead or stopped one, records the new entry. */
async function reserve(ctx: SessionContext, target: TmuxServer, cwd: string, options: SpawnOptions, launchFor: (name: string) => Launch): Promise<{ entry: RegistryEntry; launch: Launch }> {
  const explicit = options.name !== undefined;
  const base = explicit ? requireName(options.name!) : nameFromPrompt(options.prompt ?? '');
  return updateRegistry(ctx.registry, async (registry) => {
    for (let n = 1; n <= 50; n++) {
      const name = n === 1 ? base : `${base.slice(0, 60)}-${n}`;
      const existing = registry[name];
      if (existing) {
        const pane = await entryPane(existing, ctx.server);
        // Another spawn reserved this name and is still creating its session.
        const starting = drivenState(existing, ctx.clock.now()) === 'starting';
        if (starting || (pane && !pane.dead && !existing.stopped_at)) {
          if (explicit) {
            throw new KbError(`a session named "${name}" is already running (tmux session "${existing.tmux_session}")`, {
              hint: `pick another --name, or stop it first: kb stop --name ${name}`,
            });
          }
          continue;
        }
        // Dead or stopped: replace it, removing a dead pane that remain-on-exit kept.
        if (pane && typeof existing.tmux_session === 'string') await killSession(entryServer(existing, ctx.server), existing.tmux_session);
      } else if (await hasSession(target, name)) {
        if (explicit) {
          throw new KbError(`a tmux session named "${name}" already exists and is not in this registry`, {
            hint: 'pick another --name (another orchestrator or a person may own that session)',
          });
        }
        continue;
      }
      const launch = launchFor(name);
      const entry: RegistryEntry = {
        name,
        model: options.model ?? null,
        spawned_at: new Date(ctx.clock.now()).toISOString(),
        worktree: launch.worktree,
        tmux_session: name,
        socket: target.socket ?? null,
        ...(target.host ? { host: target.host } : {}),
        agent: launch.agent.name,
        ...(launch.values.command !== undefined ? { command: launch.values.command } : {}),
        cwd,
        worktree_path: launch.worktreePath,
        // The agent's state file is on the machine it runs on: read only for local sessions.
        ...(launch.sessionDir && !target.host ? { session_dir: launch.sessionDir } : {}),
        ...(launch.settingsFile ? { events_log: evidencePaths(ctx, name).eventsLog } : {}),
        resume_id: null,
        stopped_at: null,
        driving: drivingMark('spawn', ctx.clock.now()),
      };
      registry[name] = entry;
      return { entry, launch };
    }
    throw new KbError(`no free session name derived from "${base}"`, { hint: 'pass --name NAME' });
  });
}

async function patchEntry(ctx: SessionContext, entry: RegistryEntry, patch: Record<string, unknown> | null): Promise<void> {
  await updateRegistry(ctx.registry, (registry) => {
    const current = registry[entry.name];
    if (!current || current.spawned_at !== entry.spawned_at) return;
    if (patch === null) {
      delete registry[entry.name];
      return;
    }
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) delete current[k];
      else current[k] = v;
    }
  });
}

type Ready = { kind: 'ready'; obs: Observation } | { kind: 'dialog'; obs: Observation } | { kind: 'exited'; obs: Observation };

interface ReadyOptions {
  acceptDialogs: boolean;
  /** Told of each first-run dialog answered (its rule id). */
  onAccepted?: (rule: string) => void;
  readyTimeoutMs: number;
  /** A prompt will be delivered: an unknown screen is never "ready". */
  prompt: boolean;
  name: string;
}

/** Waits for the agent's REPL: ready, stopped at a dialog, or exited. */
export async function waitReady(io: PaneIO, agent: Agent, clock: Clock, options: ReadyOptions): Promise<Ready> {
  const deadline = clock.now() + options.readyTimeoutMs;
  let readySince = 0;
  let stableSince = clock.now();
  let lastRaw: string | null = null;
  let answered = 0;
  let exitedSince = 0;
  for (;;) {
    const obs = await io.observe();
    const now = clock.now();
    const cls = obs.classification;
    if (!obs.pane || obs.pane.dead) return { kind: 'exited', obs };
    // Exited judged from the screen alone (back at a shell) must hold 600 ms, as the monitor
    // settles it: a start-up frame can look like it (the pane's command is a shell for a
    // moment while an agent starts, or spawns one, on a loaded machine).
    if (cls.state === 'exited') {
      if (exitedSince === 0) exitedSince = now;
      if (now - exitedSince >= 600) return { kind: 'exited', obs };
      await clock.sleep(150);
      continue;
    }
    exitedSince = 0;
    if (obs.raw !== lastRaw) {
      lastRaw = obs.raw;
      stableSince = now;
    }
    const stableMs = now - stableSince;
    if (cls.needs_intervention && cls.answer === 'keys') {
      readySince = 0;
      if (options.acceptDialogs && firstRunDialog(agent, cls.rule) && answered < 6) {
        // Wait for the dialog to settle (its first frames may still be drawing).
        if (stableMs >= 300) {
          const result = await acceptDialog(io, clock, obs, agent);
          if (!result.ok) return { kind: 'dialog', obs };
          answered++;
          if (cls.rule) options.onAccepted?.(cls.rule);
          await clock.sleep(400);
          lastRaw = null;
          continue;
        }
      } else if (stableMs >= 300) {
        return { kind: 'dialog', obs };
      }
    } else if (agent.readyStates.has(cls.state)) {
      if (readySince === 0) readySince = now;
      // Ready twice, 600 ms apart: a first-run dialog can replace the first ready frame.
      if (now - readySince >= 600) return { kind: 'ready', obs };
    } else {
      readySince = 0;
      // A program whose screen no rule knows (a plain command, a silent one too) is ready
      // once its screen settles, when its profile says so. An agent screen the rules do not
      // know is reported as it is (state unknown) once it settled, unless a prompt waits.
      const settleMs = agent.settleMs ?? (options.prompt ? Infinity : 3000);
      if (cls.state !== 'working' && stableMs >= settleMs && (agent.settleMs !== undefined || obs.lines.length > 0)) {
        return { kind: 'ready', obs };
      }
    }
    if (now >= deadline) {
      throw new KbError(
        `${agent.name} in session "${options.name}" was not ready after ${Math.round(options.readyTimeoutMs / 1000)} s (state ${cls.state}${cls.rule ? `, rule ${cls.rule}` : ''}); last screen lines:\n${lastLines(obs.lines)}`,
        { hint: `look at it with kb read --name ${options.name}; raise --ready-timeout, or kill it: kb kill --name ${options.name}` },
      );
    }
    await clock.sleep(150);
  }
}

/**
 * tmux can notice that a program exited before it has drawn the program's last output:
 * give it a moment and capture again (with history: some agents move their last words off
 * the visible screen as they exit), so the error message is not lost.
 */
async function settleDeadScreen(io: PaneIO, clock: Clock, obs: Observation): Promise<Observation> {
  let last = obs;
  // (Up to 5 s: on a loaded machine tmux can take seconds to report the status.)
  for (let i = 0; i < 50; i++) {
    await clock.sleep(100);
    // (A pane the last look did not find is looked for again: on a loaded machine it can be
    // missing from one listing; its history then stays what was seen.)
    const lines = last.pane ? await io.history(200).catch(() => last.lines) : last.lines;
    // tmux marks a pane dead when its pty closes and learns the exit status a moment later
    // (and the screen can say "Pane is dead" before list-panes does): read the facts again.
    // A status still unknown after that moment may be one the server missed: have it look.
    if (i >= 2 && last.pane?.dead && last.pane.deadStatus === null) await io.collectExit();
    const again = !last.pane?.dead || last.pane.deadStatus === null ? await io.observe() : last;
    const pane = again.pane ?? last.pane;
    const settled = lines.join('\n') === last.lines.join('\n') && lines.some((l) => l.trim() !== '') && !!pane && (!pane.dead || pane.deadStatus !== null);
    last = { ...last, lines, pane };
    if (settled) break;
  }
  return last;
}

const withoutDeadLine = (lines: readonly string[]): string[] => lines.filter((l) => !/^Pane is dead/.test(l));

/** A path on screen ending in the worktree's path below the repository (the agent's banner). */
export function worktreeOnScreen(lines: readonly string[], launch: Launch): string | null {
  const template = launch.agent.profile.worktree?.path;
  if (!template || !launch.worktreePath) return null;
  const suffix = fill(template.replace(/^\{git_root\}/, ''), launch.values);
  if (!suffix) return null;
  for (const line of lines) {
    for (const word of line.split(/\s+/)) if (word.startsWith('/') && word.endsWith(suffix)) return word;
  }
  return null;
}

export async function spawnSession(ctx: SessionContext, options: SpawnOptions): Promise<SpawnOutcome> {
  if (options.name !== undefined && !NAME_PATTERN.test(options.name)) requireName(options.name);
  if (options.name === undefined && !options.prompt) {
    throw new UsageError('spawn needs --name or a prompt to derive the name from', 'kb spawn --name worker-1 "prompt"');
  }
  const { agent, command } = resolveAgent(ctx, options);
  const extraEnv = parseEnvFlags(options.env ?? [], ctx.env);
  const host = options.host;
  if (host !== undefined) parseDestination(host);
  const target: TmuxServer = host ? { socket: ctx.server.socket, host } : ctx.server;
  // Where the agent runs and what it sees: here, the caller's directory and environment;
  // on another host, that host's directory, its login environment and only what --env names.
  let cwd = ctx.cwd;
  let launchEnv: NodeJS.ProcessEnv = { ...ctx.env, ...extraEnv };
  let isRoot = isRootUser();
  let gitRoot: string | null | undefined;
  let remoteLocale = '';
  if (host) {
    const facts = await hostFacts(host, options.cwd);
    cwd = facts.cwd;
    isRoot = facts.uid === 0;
    gitRoot = facts.gitRoot;
    remoteLocale = facts.locale;
    launchEnv = { HOME: facts.home, SHELL: facts.shell, USER: facts.user, ...extraEnv };
  } else if (options.cwd !== undefined) {
    cwd = resolvePath(ctx.cwd, options.cwd);
    if (!existsSync(cwd) || !statSync(cwd).isDirectory()) throw new UsageError(`invalid --cwd ${JSON.stringify(options.cwd)}: no such directory`, 'pass an existing directory');
  }
  const launchFor = (name: string): Launch =>
    buildLaunch(agent, {
      name,
      model: options.model,
      maxBudget: options.maxBudget,
      permissionMode: options.permissionMode,
      command,
      cwd,
      env: launchEnv,
      isRoot,
      gitRoot,
      // Hooks run `kb hook` and write to this machine's state directory: not on another host.
      settings: host ? undefined : evidencePaths(ctx, name).settingsFile,
    });
  try {
    launchFor('x'); // validates the flags before the registry is touched
  } catch (error) {
    // On another host the agent's variables come from --env alone: say so next to the fix.
    if (host && error instanceof KbError && !(error instanceof UsageError) && error.hint) {
      throw new KbError(`${error.message} (on host "${host}")`, { hint: `${error.hint}; for --host the agent gets only the variables --env names: --env NAME=VALUE` });
    }
    throw error;
  }
  const { entry, launch } = await reserve(ctx, target, cwd, options, launchFor);
  const started = ctx.clock.now();
  const version = host ? agentVersionOn(host, agent, launchEnv) : agentVersion(agent, launchEnv);
  await prepareEvidence(launch, evidencePaths(ctx, entry.name));
  let paneId: string;
  try {
    // A placeholder first: the session's environment is filled before the agent starts.
    paneId = await newSession(target, { name: entry.tmux_session, cwd, width: options.width, height: options.height, command: ['cat'] });
  } catch (error) {
    await patchEntry(ctx, entry, null);
    throw error;
  }
  entry.pane_id = paneId;
  await patchEntry(ctx, entry, { pane_id: paneId });
  let plan: EnvPlan;
  if (host) {
    const extra = { ...launch.envSet, ...extraEnv };
    // A login without a locale would give the agent no UTF-8: tmux's own default then.
    if (!remoteLocale && !['LANG', 'LC_ALL', 'LC_CTYPE'].some((k) => k in extra)) extra.LANG = 'C.UTF-8';
    plan = planRemoteEnvironment({ drop: launch.envDrop, extra });
  } else {
    plan = planEnvironment(await serverEnvironment(target), ctx.env, { drop: launch.envDrop, extra: { ...launch.envSet, ...extraEnv } });
  }
  const start = async (argv: string[]): Promise<void> => {
    await applyEnvironment(target, entry.tmux_session, plan);
    try {
      // Remotely through the login shell there, so the agent has the PATH a login gives.
      await respawnPane(target, paneId, { cwd, command: host ? loginArgv(argv.length === 1 ? ['/bin/sh', '-c', argv[0]!] : argv) : argv });
    } finally {
      await clearEnvironment(target, entry.tmux_session, plan);
    }
  };
  const io = tmuxPaneIO({ server: target, session: entry.tmux_session, paneId, agent: agent.name, rules: ctx.stack().rules, clock: ctx.clock });
  const base = { name: entry.name, tmux_session: entry.tmux_session, pane_id: paneId, agent: agent.name, ...(host ? { host } : {}) };
  try {
    return await withPaneLock(ctx, target, paneId, { what: 'start it', name: entry.name }, async () => {
      await start(launch.argv);
      const accepted: string[] = [];
      const readyOptions: ReadyOptions = {
        acceptDialogs: options.acceptDialogs,
        readyTimeoutMs: options.readyTimeoutMs,
        prompt: Boolean(options.prompt),
        name: entry.name,
        onAccepted: (rule) => accepted.push(rule),
      };
      const notSent = options.prompt ? { prompt_sent: false } : {};
      let ready = await waitReady(io, agent, ctx.clock, readyOptions);
      if (ready.kind === 'exited') ready = { kind: 'exited', obs: await settleDeadScreen(io, ctx.clock, ready.obs) };
      const startExit = ready.kind === 'exited' ? agent.startExits.find((s) => s.match.test(ready.obs.lines.join(' '))) : undefined;
      if (ready.kind === 'exited' && startExit) {
        if (!options.acceptDialogs || !startExit.acceptByRunning) {
          return {
            exitCode: ExitCode.dialog,
            output: { status: 'needs_intervention', ...base, state: startExit.state, rule: startExit.rule, content: lastLines(withoutDeadLine(ready.obs.lines)), hint: startExit.hint, ...notSent },
          };
        }
        // Run the agent once as the profile says (answering its first-run dialogs), exit it,
        // then start it again.
        const once = launch.values;
        const argv = startExit.acceptByRunning.map((a) => fill(a, once)).filter((a): a is string => a !== null);
        await start(argv);
        const pass = await waitReady(io, agent, ctx.clock, { ...readyOptions, prompt: false, acceptDialogs: true });
        if (pass.kind !== 'ready') {
          const obs = pass.kind === 'exited' ? await settleDeadScreen(io, ctx.clock, pass.obs) : pass.obs;
          throw new KbError(`could not accept the first-run dialogs of ${agent.name} in ${cwd}${host ? ` on ${host}` : ''} (it ${pass.kind === 'exited' ? 'exited' : 'stopped at another dialog'}); last screen lines:\n${lastLines(withoutDeadLine(obs.lines))}`, {
            hint: `run ${agent.name} in ${cwd}${host ? ` on ${host}` : ''} yourself and accept its dialogs, then spawn again`,
          });
        }
        if (!(await driveExit(io, agent, ctx.clock, ctx.clock.now() + 15_000))) {
          throw new KbError(`${agent.name} did not exit after its first-run dialogs were accepted`, { hint: `look at it with kb read --name ${entry.name}` });
        }
        await start(launch.argv);
        ready = await waitReady(io, agent, ctx.clock, readyOptions);
        if (ready.kind === 'exited') ready = { kind: 'exited', obs: await settleDeadScreen(io, ctx.clock, ready.obs) };
      }
      if (ready.kind === 'exited') {
        const status = ready.obs.pane?.deadStatus;
        throw new KbError(
          `${agent.name} exited during start in session "${entry.name}"${status === null || status === undefined ? '' : ` (exit status ${status})`}; its last screen lines:\n${lastLines(withoutDeadLine(ready.obs.lines))}`,
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
            answer: c.answer,
            content: lastLines(ready.obs.lines),
            hint:
              (c.rule ? agent.hints.get(c.rule) : undefined) ??
              (firstRunDialog(agent, c.rule)
                ? `answer it with kb send --name ${entry.name} --keys ... (move to the accepting option, then Enter), or kb kill --name ${entry.name} and spawn again with --accept-dialogs`
                : `answer it with kb send --name ${entry.name} --keys ...`),
            ...notSent,
            ...(accepted.length ? { accepted } : {}),
          },
        };
      }
      const readyMs = ctx.clock.now() - started;
      const shown = worktreeOnScreen(ready.obs.lines, launch);
      if (shown && shown !== entry.worktree_path) {
        entry.worktree_path = shown;
        await patchEntry(ctx, entry, { worktree_path: shown });
      }
      let delivery: Delivery | null = null;
      let error: KbError | undefined;
      if (options.prompt) {
        try {
          const evidence = deliveryEvidence(entry, options.prompt);
          delivery = await deliverText(io, agent, ctx.clock, options.prompt, {
            name: entry.name,
            ...(evidence ? { evidence } : {}),
            ...(options.acceptDialogs
              ? {
                  onFirstRunDialog: async (obs: Observation) => {
                    // Let the dialog finish drawing, then answer it as waitReady would.
                    await ctx.clock.sleep(300);
                    const now = await io.observe();
                    const ok = (await acceptDialog(io, ctx.clock, now.classification.rule === obs.classification.rule ? now : obs, agent)).ok;
                    if (ok) await ctx.clock.sleep(400);
                    return ok;
                  },
                }
              : {}),
          });
        } catch (e) {
          if (!(e instanceof DeliveryError)) throw e;
          error = e;
        }
      }
      const output: Record<string, unknown> = {
        ...base,
        model: entry.model,
        spawned_at: entry.spawned_at,
        worktree: (host ? null : existingPath(entry.worktree_path)) ?? entry.worktree_path ?? null,
        ...(host ? { cwd } : {}),
        state: ready.obs.classification.state,
        ready_ms: readyMs,
        prompt_sent: delivery !== null,
        ...(delivery ? { delivery: delivery.proof } : {}),
        ...(accepted.length ? { accepted } : {}),
        agent_version: await version,
      };
      if (error) return { exitCode: ExitCode.failure, output: { ...output, error: error.message.split('\n')[0] }, error };
      return { exitCode: ExitCode.ok, output };
    });
  } finally {
    await patchEntry(ctx, entry, { driving: undefined, agent_version: (await version) ?? undefined });
  }
}
