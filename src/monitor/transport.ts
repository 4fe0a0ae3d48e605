/**
 * How the monitor talks to one tmux server: the pane list and the captures of a cycle.
 * The control-mode transport keeps one `tmux -C` client for the whole run (two round trips
 * per cycle: list-panes, then every capture pipelined); the process transport starts two
 * tmux processes per cycle (list-panes, one chained capture). Both report "no server" as
 * a null pane list; the monitor decides what that means.
 */
import { captureChained, captureViaControl, type Captures } from '../tmux/capture.js';
import { ControlClient, ControlClosedError, ControlCommandError } from '../tmux/control.js';
import { TmuxError } from '../tmux/errors.js';
import { isNoSessions, listPanesArgs, listPanesCommand, parsePaneList, type PaneInfo } from '../tmux/panes.js';
import { isNoServer, noServerHint, runTmux, type TmuxServer } from '../tmux/run.js';

export interface PaneTransport {
  /** Every pane of the server, or null when no server is running. */
  listPanes(): Promise<PaneInfo[] | null>;
  /** The captures of these panes (null: the pane vanished). */
  capture(paneIds: readonly string[]): Promise<Captures>;
  close(): Promise<void>;
  /** Process ids whose CPU belongs to the monitor (the control client), for the benchmark. */
  helperPids(): number[];
}

export type TransportKind = 'control' | 'process';

export function serverGone(server: TmuxServer, detail: string): TmuxError {
  return new TmuxError(`tmux server ${server.socket ? `on socket "${server.socket}" ` : ''}${server.host ? `on host "${server.host}" ` : ''}is gone (${detail})`, {
    hint: noServerHint(server),
  });
}

/** Is a server running? Asked with a separate process, for when the control client dropped. */
async function serverRunning(server: TmuxServer): Promise<boolean> {
  const result = await runTmux(server, ['list-sessions', '-F', '#{session_id}']);
  if (result.exitCode === 0) return true;
  if (isNoServer(result.stderr)) return false;
  // A server without sessions answers "no sessions" (exit 1) and is still running.
  return /no sessions/i.test(result.stderr);
}

export class ProcessTransport implements PaneTransport {
  constructor(private readonly server: TmuxServer) {}

  async listPanes(): Promise<PaneInfo[] | null> {
    const result = await runTmux(this.server, listPanesArgs());
    if (result.exitCode !== 0) {
      if (isNoServer(result.stderr)) return null;
      if (isNoSessions(result.stderr)) return [];
      throw new TmuxError(`tmux list-panes failed: ${result.stderr.trim() || `exit ${result.exitCode}`}`, {
        hint: 'check the tmux server (tmux list-sessions)',
      });
    }
    return parsePaneList(result.stdout.split('\n'));
  }

  capture(paneIds: readonly string[]): Promise<Captures> {
    return paneIds.length ? captureChained(this.server, paneIds) : Promise.resolve(new Map());
  }

  async close(): Promise<void> {}

  helperPids(): number[] {
    return [];
  }
}

export class ControlTransport implements PaneTransport {
  private client: ControlClient | null = null;

  constructor(private readonly server: TmuxServer) {}

  /**
   * Connects (or reconnects); null when no server is running, 'empty' when it runs
   * without sessions (exit-empty off): there is nothing to attach to, and no pane.
   */
  private async connect(): Promise<ControlClient | null | 'empty'> {
    if (this.client && !this.client.closed) return this.client;
    this.client = null;
    try {
      this.client = await ControlClient.connect(this.server);
      return this.client;
    } catch (error) {
      if (!(error instanceof ControlClosedError)) throw error;
      if (!(await serverRunning(this.server))) return null;
      if (/no sessions|can't find session/i.test(error.message)) return 'empty';
      throw error;
    }
  }

  /**
   * Runs op over the client. The client also drops when the session it attached to ends
   * (tmux detaches it), so a closed client is retried once on a fresh one while the
   * server runs; a server that is gone is reported as such.
   */
  private async withClient<T>(op: (client: ControlClient) => Promise<T>, noServer: () => T, empty: () => T): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const client = await this.connect();
      if (!client) return noServer();
      if (client === 'empty') return empty();
      try {
        return await op(client);
      } catch (error) {
        // A server that did not answer is not asked again (that would only wait once more).
        if (error instanceof ControlClosedError && error.timedOut) throw error;
        if (!(error instanceof ControlClosedError) || attempt >= 2) throw error;
        if (!(await serverRunning(this.server))) return noServer();
      }
    }
  }

  listPanes(): Promise<PaneInfo[] | null> {
    return this.withClient(
      async (client) => {
        try {
          return parsePaneList(await client.command(listPanesCommand()));
        } catch (error) {
          if (error instanceof ControlCommandError && isNoSessions(error.message)) return [];
          throw error;
        }
      },
      () => null,
      () => [],
    );
  }

  capture(paneIds: readonly string[]): Promise<Captures> {
    if (paneIds.length === 0) return Promise.resolve(new Map());
    return this.withClient(
      (client) => captureViaControl(client, paneIds),
      () => {
        throw serverGone(this.server, 'it stopped during the capture');
      },
      () => new Map(paneIds.map((id) => [id, null])),
    );
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    await client?.close();
  }

  helperPids(): number[] {
    const pid = this.client?.pid;
    return pid ? [pid] : [];
  }
}

export function createTransport(server: TmuxServer, kind: TransportKind = 'control'): PaneTransport {
  return kind === 'process' ? new ProcessTransport(server) : new ControlTransport(server);
}
