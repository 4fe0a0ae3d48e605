/**
 * An agent's own state file: one JSON file per running process, `<dir>/<pid>.json`, with
 * `status` (idle / busy / waiting), `waitingFor` ("permission prompt", "input needed",
 * "dialog open"), `statusUpdatedAt` (ms), `version`, `sessionId`, `procStart` (format
 * `pid-json` in a profile's evidence). A file counts only while its process lives: the pid
 * is alive AND its start time (field 22 of /proc/<pid>/stat) equals `procStart`, so a file
 * left behind by a killed process (or a reused pid) is never read as live state.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export type AgentStatus = 'idle' | 'busy' | 'waiting';

export interface AgentState {
  status: AgentStatus;
  waitingFor: string | null;
  /** When the agent last changed its status (ms), if it says. */
  updatedAt: number | null;
  version: string | null;
  sessionId: string | null;
  pid: number;
  file: string;
}

/** Field 22 of /proc/<pid>/stat (the process start time, in clock ticks), or null. */
export async function procStart(pid: number): Promise<string | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function parse(text: string, file: string): (Omit<AgentState, 'pid'> & { pid: number | null; procStart: string | null; tmux: string | null }) | null {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (!data || typeof data !== 'object') return null;
  const status = data.status;
  if (status !== 'idle' && status !== 'busy' && status !== 'waiting') return null;
  const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
  return {
    status,
    waitingFor: str(data.waitingFor),
    updatedAt: typeof data.statusUpdatedAt === 'number' ? data.statusUpdatedAt : null,
    version: str(data.version),
    sessionId: str(data.sessionId),
    pid: typeof data.pid === 'number' ? data.pid : null,
    procStart: data.procStart === undefined || data.procStart === null ? null : String(data.procStart),
    tmux: str(data.tmux),
    file,
  };
}

/** The live state file of process `pid` in `dir`, or null (none, unreadable, or left behind). */
export async function readAgentState(dir: string, pid: number): Promise<AgentState | null> {
  const file = join(dir, `${pid}.json`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  const parsed = parse(text, file);
  if (!parsed) return null;
  const start = await procStart(pid);
  if (start === null || (parsed.procStart !== null && parsed.procStart !== start)) return null;
  return { ...parsed, pid };
}

/**
 * The live state file of the agent in a tmux pane: by the pane's process id (the agent is
 * the pane's own process), else the file whose `tmux` field names this session and pane
 * (the agent was started by a wrapper).
 */
export async function findAgentState(dir: string, pane: { pid: number | null; paneId: string; sessionName: string }): Promise<AgentState | null> {
  if (pane.pid !== null) {
    const direct = await readAgentState(dir, pane.pid);
    if (direct) return direct;
  }
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /^\d+\.json$/.test(n));
  } catch {
    return null;
  }
  for (const name of names) {
    const text = await readFile(join(dir, name), 'utf8').catch(() => '');
    const parsed = parse(text, join(dir, name));
    if (!parsed?.tmux || !parsed.tmux.startsWith(`${pane.sessionName}:`) || !parsed.tmux.endsWith(`.${pane.paneId}`)) continue;
    const pid = Number(name.slice(0, -5));
    const live = await readAgentState(dir, pid);
    if (live) return live;
  }
  return null;
}
