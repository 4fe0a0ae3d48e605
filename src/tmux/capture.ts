/**
 * Capturing many panes at a constant number of tmux round trips: pipelined over a
 * control-mode client, or (fallback) as one chained `tmux a \; b \; c` process. A pane
 * that vanished between list-panes and its capture comes back as null, never as an error.
 */
import { randomBytes } from 'node:crypto';
import { TmuxError } from './errors.js';
import type { ControlClient } from './control.js';
import { isNoServer, noServerHint, runTmux, type TmuxServer } from './run.js';

/**
 * The visible rows as text. Without -e: the classifier strips colours before any rule
 * sees the screen, and -e costs tmux about twice the bytes and time (at 100 panes of
 * 200x50 it decides whether a cycle stays under 15 ms).
 */
export function captureArgs(paneId: string): string[] {
  return ['capture-pane', '-p', '-t', paneId];
}

function checkPaneId(paneId: string): void {
  if (!/^%\d+$/.test(paneId)) throw new TmuxError(`internal: not a pane id: ${JSON.stringify(paneId)}`);
}

/** The text of each pane, or null when the pane no longer exists. */
export type Captures = Map<string, string | null>;

function joinRows(lines: readonly string[]): string {
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** All panes in one pipelined write over the control client. */
export async function captureViaControl(client: ControlClient, paneIds: readonly string[]): Promise<Captures> {
  paneIds.forEach(checkPaneId);
  const replies = await client.send(paneIds.map((id) => captureArgs(id).join(' ')));
  const out: Captures = new Map();
  paneIds.forEach((id, i) => {
    const reply = replies[i]!;
    if (reply.ok) out.set(id, joinRows(reply.lines));
    else if (/can't find|no such pane|not found/i.test(reply.error)) out.set(id, null);
    else throw new TmuxError(`tmux capture-pane -t ${id} failed: ${reply.error}`, { hint: 'check the tmux server' });
  });
  return out;
}

/**
 * All panes in one tmux process: the captures chained with a sentinel line after each.
 * tmux stops a chain at the first failing command, so when a pane vanished mid-chain the
 * panes after it are captured again in another process (one more per vanished pane).
 */
export async function captureChained(server: TmuxServer, paneIds: readonly string[]): Promise<Captures> {
  paneIds.forEach(checkPaneId);
  const out: Captures = new Map();
  let rest = [...paneIds];
  const nonce = randomBytes(6).toString('hex');
  while (rest.length) {
    const args: string[] = [];
    rest.forEach((id, i) => {
      if (i) args.push(';');
      args.push(...captureArgs(id), ';', 'display-message', '-p', `kb-capture-end-${nonce}-${i}`);
    });
    const result = await runTmux(server, args);
    const lines = result.stdout.split('\n');
    let rows: string[] = [];
    let done = 0;
    for (const line of lines) {
      if (line === `kb-capture-end-${nonce}-${done}`) {
        out.set(rest[done]!, joinRows(rows));
        rows = [];
        done++;
      } else rows.push(line);
    }
    if (done === rest.length) break;
    if (result.exitCode === 0) throw new TmuxError('tmux capture chain ended early without an error', { hint: 'check the tmux server' });
    if (isNoServer(result.stderr)) throw new TmuxError(`tmux server gone (${result.stderr.trim()})`, { hint: noServerHint(server) });
    const failed = rest[done]!;
    if (!/can't find|no such pane|not found/i.test(result.stderr)) {
      throw new TmuxError(`tmux capture-pane -t ${failed} failed: ${result.stderr.trim()}`, { hint: 'check the tmux server' });
    }
    out.set(failed, null);
    rest = rest.slice(done + 1);
  }
  return out;
}
