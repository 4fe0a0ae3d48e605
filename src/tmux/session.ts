/**
 * tmux operations the session commands need: create a session, list its panes, capture a
 * pane, kill a session. Every target is a pane id (`%N`) or an exact session target
 * (`=name:`), never a bare name that tmux would prefix-match.
 */
import { TmuxError } from './errors.js';
import { isNoSessions, PANE_FORMAT, parsePaneList, type PaneInfo } from './panes.js';
import { endProcessGroups, groupLeaders, remoteEndGroupsArgv, type GroupLeader } from './processes.js';
import { exactSessionTarget, isNoServer, runTmux, runTmuxOk, tmuxDeadline, type TmuxServer } from './run.js';
import { runOnHost } from './ssh.js';

/**
 * tmux ends a command at an argument that ends in `;` (and turns a trailing `\;` into a
 * literal `;`). Any argument carrying user text goes through this so it arrives unchanged.
 */
export function literalArg(value: string): string {
  return value.endsWith(';') ? `${value.slice(0, -1)}\\;` : value;
}

export type { PaneInfo } from './panes.js';

/** list-panes with the shared pane format; [] when the target (or the server) does not exist. */
async function listPanes(server: TmuxServer, scope: string[]): Promise<PaneInfo[]> {
  const args = ['list-panes', ...scope, '-F', PANE_FORMAT];
  const result = await runTmux(server, args);
  if (result.exitCode !== 0) {
    if (isNoServer(result.stderr) || isNoSessions(result.stderr) || /can't find|no such session|session not found/i.test(result.stderr)) return [];
    await runTmuxOk(server, args);
  }
  return parsePaneList(result.stdout.split('\n'));
}

/**
 * The panes of one session, by exact name. Returns [] when the session (or the whole
 * server) does not exist; throws only when tmux itself fails otherwise.
 */
export function sessionPanes(server: TmuxServer, session: string): Promise<PaneInfo[]> {
  return listPanes(server, ['-s', '-t', exactSessionTarget(session)]);
}

/** Every pane on the server ([] when no server is running). */
export function allPanes(server: TmuxServer): Promise<PaneInfo[]> {
  return listPanes(server, ['-a']);
}

/**
 * Makes the server collect the exit status of its children that have exited. tmux built
 * with libutempter (Debian's is) can miss the SIGCHLD of a program that exits while
 * utempter's own handler is installed, just after the pane starts (tmux issue #311): the
 * pane is dead, its exit status unknown and its process a zombie until some other child of
 * the server exits. A `run-shell true` job is such a child, and the server collects every
 * exited child when one ends. Measured here (npm run bench:exit-status): 8 of 30 spawns of a
 * program that exits at once, under CPU load, reported no status without it.
 */
export async function collectExitStatuses(server: TmuxServer): Promise<void> {
  await runTmux(server, ['run-shell', 'true']).catch(() => undefined);
}

/**
 * The pid of the first process of each live pane: of one session, or of the whole server.
 * A dead pane's pid is left out: its process is gone and the pid may be someone else's now.
 */
export async function panePids(server: TmuxServer, session?: string): Promise<number[]> {
  const panes = session === undefined ? await allPanes(server) : await sessionPanes(server, session);
  return panes.filter((p) => !p.dead).map((p) => p.pid).filter((pid): pid is number => pid !== null && pid > 1);
}

export interface CaptureOptions {
  /** Join wrapped lines (-J). */
  join?: boolean;
  /** Keep escape sequences (-e). */
  escapes?: boolean;
  /** How many lines of history above the visible screen to include. */
  history?: number;
}

/** `capture-pane -p` of one pane id. */
export async function capturePane(server: TmuxServer, paneId: string, options: CaptureOptions = {}): Promise<string> {
  const args = ['capture-pane', '-p', '-t', paneId];
  if (options.join) args.push('-J');
  if (options.escapes) args.push('-e');
  if (options.history && options.history > 0) args.push('-S', `-${options.history}`);
  return runTmuxOk(server, args, { hint: 'the pane may have closed; check it with kb status --name NAME' });
}

export interface NewSessionOptions {
  name: string;
  /** The start directory (on the server's machine); omitted: tmux's default (the client's, over ssh the login's home). */
  cwd?: string | undefined;
  width: number;
  height: number;
  /** argv; a single element runs through the default shell (`sh -c`), as tmux does. */
  command: string[];
}

/**
 * Creates a detached session running `command` and returns its pane id. remain-on-exit is
 * set in the same tmux invocation, before the server can notice the program exiting, so
 * a program that dies at once leaves a dead pane (with its last screen) to report.
 */
export async function newSession(server: TmuxServer, options: NewSessionOptions): Promise<string> {
  const args = [
    'new-session', '-d', '-P', '-F', '#{pane_id}',
    '-s', options.name,
    '-x', String(options.width), '-y', String(options.height),
    ...(options.cwd !== undefined ? ['-c', literalArg(options.cwd)] : []),
    ...options.command.map(literalArg),
    ';', 'set-option', '-t', exactSessionTarget(options.name), 'remain-on-exit', 'on',
    ';', 'set-option', '-w', '-t', exactSessionTarget(options.name), 'allow-rename', 'off',
  ];
  const out = await runTmuxOk(server, args, {
    hint: 'check that tmux can start a session here (kb doctor)',
  });
  const paneId = out.trim().split('\n')[0] ?? '';
  if (!paneId.startsWith('%')) {
    throw new TmuxError(`tmux new-session printed no pane id (got ${JSON.stringify(out.trim())})`, {
      hint: 'check the tmux version (3.2 or later is needed): tmux -V',
    });
  }
  return paneId;
}

/**
 * Runs a new command in an existing pane (killing what runs there), keeping its pane id.
 * The process gets the session's environment (see sessions/launch-env.ts).
 */
export async function respawnPane(server: TmuxServer, paneId: string, options: { cwd?: string | undefined; command: string[] }): Promise<void> {
  const cwd = options.cwd !== undefined ? ['-c', literalArg(options.cwd)] : [];
  await runTmuxOk(server, ['respawn-pane', '-k', '-t', paneId, ...cwd, ...options.command.map(literalArg)]);
}

/** Runs tmux commands given on stdin (`source-file -`): what they carry never shows in argv. */
export async function sourceCommands(server: TmuxServer, lines: readonly string[]): Promise<void> {
  await runTmuxOk(server, ['source-file', '-'], { input: `${lines.join('\n')}\n` });
}

/** Kills a session by exact name; false when it did not exist. */
export async function killSession(server: TmuxServer, session: string): Promise<boolean> {
  const pids = await panePids(server, session);
  // (Here: known by pid and start time before the kill, see tmux/processes.ts.)
  const leaders = server.host ? [] : groupLeaders(pids);
  const result = await runTmux(server, ['kill-session', '-t', exactSessionTarget(session)]);
  // Programs that survive the hangup (Gemini CLI does) are ended by their process group,
  // on the machine they run on.
  await endGroupsOn(server, pids, leaders);
  return result.exitCode === 0;
}

/** Ends process groups on the server's machine (over ssh for a remote one; here, by `leaders`). */
export async function endGroupsOn(server: TmuxServer, pids: readonly number[], leaders: readonly GroupLeader[], graceMs = 1500): Promise<void> {
  if (pids.length === 0) return;
  if (!server.host) return endProcessGroups(leaders, graceMs);
  await runOnHost(server.host, remoteEndGroupsArgv(pids, graceMs), { timeoutMs: tmuxDeadline() + graceMs + 1000, what: 'ending process groups' });
}

/** The pane's current working directory (tmux's pane_current_path), '' when unknown. */
export async function paneCurrentPath(server: TmuxServer, paneId: string): Promise<string> {
  const result = await runTmux(server, ['display-message', '-p', '-t', paneId, '#{pane_current_path}']);
  return result.exitCode === 0 ? result.stdout.trim() : '';
}

/** True when a session with exactly this name exists. */
export async function hasSession(server: TmuxServer, session: string): Promise<boolean> {
  const result = await runTmux(server, ['has-session', '-t', `=${session}`]);
  return result.exitCode === 0;
}

/** The server's global environment (empty when no server runs). Unset (`-VAR`) entries are skipped. */
export async function globalEnvironment(server: TmuxServer): Promise<Map<string, string> | undefined> {
  const result = await runTmux(server, ['show-environment', '-g']);
  if (result.exitCode !== 0) return undefined;
  const env = new Map<string, string>();
  for (const line of result.stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0 && !line.startsWith('-')) env.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return env;
}
