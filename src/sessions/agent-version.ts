/**
 * The version of an agent CLI, as its profile says to read it (`claude --version`): spawn
 * records it in the entry, status and doctor report it, and doctor compares it with the
 * versions the profile's fixtures were recorded from.
 */
import type { Agent } from '../agents/catalog.js';
import { execBounded } from '../tmux/exec.js';
import { loginArgv, runOnHost } from '../tmux/ssh.js';

/** The version the binary prints, or null (no version command, not installed, no match). */
export async function agentVersion(agent: Agent, env: NodeJS.ProcessEnv, timeoutMs = 15_000): Promise<string | null> {
  const args = agent.profile.version?.args;
  if (!args) return null;
  try {
    const r = await execBounded(agent.binary(env), args, { timeoutMs, env: { ...env, NO_COLOR: '1' } });
    if (r.timedOut) return null;
    const m = agent.versionPattern.exec(`${r.stdout}\n${r.stderr}`);
    return m ? (m[1] ?? m[0]) : null;
  } catch {
    return null;
  }
}

/** The same on another host, through its login shell (as spawn starts the agent there). */
export async function agentVersionOn(host: string, agent: Agent, env: NodeJS.ProcessEnv, timeoutMs = 15_000): Promise<string | null> {
  const args = agent.profile.version?.args;
  if (!args) return null;
  try {
    const r = await runOnHost(host, loginArgv(['env', 'NO_COLOR=1', agent.binary(env), ...args]), { timeoutMs, what: `${agent.name} --version` });
    const m = agent.versionPattern.exec(`${r.stdout}\n${r.stderr}`);
    return r.exitCode === 0 && m ? (m[1] ?? m[0]) : null;
  } catch {
    return null;
  }
}

function parts(v: string): number[] {
  return v.split(/[.-]/).map((p) => Number.parseInt(p, 10)).map((n) => (Number.isFinite(n) ? n : 0));
}

/** -1, 0, 1 as numeric dotted versions compare. */
export function compareVersions(a: string, b: string): number {
  const x = parts(a);
  const y = parts(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** True when `version` is newer than every version the fixtures were recorded from. */
export function newerThanRecorded(agent: Agent, version: string): boolean {
  return agent.recordedVersions.length > 0 && agent.recordedVersions.every((r) => compareVersions(version, r) > 0);
}
