/**
 * The one end-to-end flow every agent-<name>.e2e.test.ts runs against a REAL agent CLI and the
 * mock Chat Completions API, through the built kb in a private tmux server:
 *
 *   1. kb spawn --agent A "<prompt>"  -> exit 0, prompt_sent, the MOCK got the prompt
 *   2. the mock answers a shell tool call -> kb monitor reports the approval (type, rule, keys, command)
 *   3. kb send --keys ... approves -> the mock gets the tool result, the command ran, kb status idle;
 *      kb send "<second>" -> the mock got it
 *   4. kb stop -> not forced, resume id/command clean (or null), the pane gone, no process of the HOME left
 */
import { execFileSync } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { ChatTurn, MockChat } from '../support/mock-chat.js';
import { userTexts } from '../support/mock-chat.js';
import { makeSandbox, until, type Sandbox } from '../sessions/support.js';

export interface AgentHome {
  home: string;
  cleanup(): Promise<void>;
}

export interface FlowSpec {
  agent: string;
  mock: MockChat;
  home: AgentHome;
  /** the environment kb runs with (the HOME's env plus the pinned binary's KB_*_BIN) */
  env: Record<string, string>;
  /** the shell command the first tool call runs; it must write approved.txt in the working directory */
  command: string;
  /** what monitor must report, and the keys that approve it */
  approval: { type: string; rule: string; keys: string[] };
  /** extra spawn options (--accept-dialogs, --permission-mode ...) */
  spawnArgs?: string[];
  /** the whole resume command stop must print (null: the agent prints none) */
  resume: RegExp | null;
  /** processes of the HOME that may outlive the agent (their command lines) */
  leftovers?: RegExp;
  /** a log line per step (with the time it took) */
  label?: string;
}

/** Main-loop turns: the shell tool call, an answer once its result is back, an answer to the second message. */
export function shellTurns(tool: string, args: Record<string, unknown>): ChatTurn[] {
  return [
    { kind: 'tool_calls', text: 'I will run it.', calls: [{ name: tool, arguments: args }] },
    { kind: 'text', text: 'The command ran and wrote approved.txt.' },
    { kind: 'text', text: 'Noted, the second message arrived.' },
  ];
}

/** The text of every tool-result message (role "tool") of a request. */
export function toolResults(body: unknown): string[] {
  const messages = (body as { messages?: Array<{ role?: string; content?: unknown }> } | null)?.messages;
  if (!Array.isArray(messages)) return [];
  return messages.filter((m) => m?.role === 'tool').map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)));
}

/** Processes (tmux aside) whose environment has HOME=home or whose command line names it: [pid, command line]. */
export async function processesOfHome(home: string): Promise<Array<[number, string]>> {
  const needle = Buffer.from(`HOME=${home}\0`);
  const out: Array<[number, string]> = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).replace(/\0/g, ' ').trim();
    // a tmux server started by kb inherits HOME, and its argv is the first client's: not the agent's
    const comm = (await readFile(`/proc/${entry}/comm`, 'utf8').catch(() => '')).trim();
    if (comm.startsWith('tmux')) continue;
    const environ = await readFile(`/proc/${entry}/environ`).catch(() => Buffer.alloc(0));
    if (cmdline.includes(`${home}/`) || environ.includes(needle)) out.push([Number(entry), cmdline]);
  }
  return out;
}

const PROMPT = 'please run the e2e command; #{x} stays literal';
const SECOND = 'second message: all good?';

function json(stdout: string): Record<string, unknown> {
  try {
    return JSON.parse(stdout) as Record<string, unknown>;
  } catch {
    throw new Error(`not JSON: ${stdout}`);
  }
}

export async function agentFlow(spec: FlowSpec): Promise<void> {
  const { agent, mock, env } = spec;
  const name = `${agent}-e2e`;
  const label = spec.label ?? agent;
  const t0 = Date.now();
  const log = (what: string) => console.log(`[${label}] ${what} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  const sb: Sandbox = await makeSandbox();
  // the user message is the text exactly (some agents put context before it: Copilot a datetime)
  const asked = (text: string) =>
    mock.mainRequests().some((r) => userTexts(r.body).some((t) => t.trim() === text || t.trim().endsWith(`\n${text}`)));
  try {
    // 1. spawn with the prompt: proven delivery, and the mock has it.
    const spawned = await sb.kb(['spawn', '--name', name, '--agent', agent, '--size', '120x40', ...(spec.spawnArgs ?? []), PROMPT], env);
    log(`spawn exit ${spawned.exitCode}: ${spawned.stdout.trim()} ${spawned.stderr.trim()}`);
    expect(spawned.exitCode, spawned.stderr).toBe(0);
    const out = json(spawned.stdout);
    expect(out).toMatchObject({ name, agent, prompt_sent: true });
    await until('the prompt at the mock', async () => asked(PROMPT));

    // 2. the tool call's approval, as monitor reports it.
    const mon = await sb.kb(['monitor', '--interval', '1', '--timeout', '60'], env, 90_000);
    log(`monitor exit ${mon.exitCode}: ${mon.stdout.trim()}`);
    expect(mon.exitCode, mon.stderr).toBe(0);
    const status = json(mon.stdout);
    expect(status).toMatchObject({
      status: 'intervention_needed',
      name,
      type: spec.approval.type,
      state: spec.approval.type,
      rule: spec.approval.rule,
      answer: 'keys',
    });
    expect(String(status.content)).toContain(spec.command);
    expect(existsSync(join(sb.repo, 'approved.txt'))).toBe(false);

    // 3. approve: the command runs, its result reaches the mock, the agent goes idle.
    const before = mock.mainRequests().length;
    const approve = await sb.kb(['send', '--name', name, '--keys', ...spec.approval.keys], env);
    log(`approve exit ${approve.exitCode}: ${approve.stdout.trim()} ${approve.stderr.trim()}`);
    expect(approve.exitCode, approve.stderr).toBe(0);
    await until('the tool result at the mock', async () => mock.mainRequests().slice(before).some((r) => toolResults(r.body).length > 0));
    expect(existsSync(join(sb.repo, 'approved.txt'))).toBe(true);
    const idle = async () => {
      const s = json((await sb.kb(['status', '--name', name], env)).stdout);
      return s.state === 'idle' ? s : null;
    };
    await until('idle after the tool', idle, 60_000, 500);
    log('idle after the tool');

    const second = await sb.kb(['send', '--name', name, SECOND], env);
    log(`send exit ${second.exitCode}: ${second.stdout.trim()} ${second.stderr.trim()}`);
    expect(second.exitCode, second.stderr).toBe(0);
    expect(json(second.stdout)).toMatchObject({ status: 'sent', name });
    await until('the second message at the mock', async () => asked(SECOND));
    await until('idle after the second message', idle, 60_000, 500);

    // 4. stop: graceful, the resume command clean, nothing left running.
    const paneId = String(out.pane_id);
    const stopped = await sb.kb(['stop', '--name', name, '--timeout', '20'], env);
    log(`stop exit ${stopped.exitCode}: ${stopped.stdout.trim()} ${stopped.stderr.trim()}`);
    expect(stopped.exitCode, stopped.stderr).toBe(0);
    const stop = json(stopped.stdout);
    expect(stop).toMatchObject({ status: 'stopped', name, forced: false });
    if (spec.resume) {
      expect(String(stop.resume_command)).toMatch(spec.resume);
      expect(String(stop.resume_command).endsWith(String(stop.resume_id))).toBe(true);
    } else {
      expect(stop.resume_id ?? null).toBeNull();
      expect(stop.resume_command ?? null).toBeNull();
    }
    let panes = '';
    try {
      panes = execFileSync('tmux', ['-L', sb.socket, 'list-panes', '-a', '-F', '#{pane_id}'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      // the private server ended with its last session
    }
    expect(panes.split('\n')).not.toContain(paneId);
    expect(json((await sb.kb(['status', '--name', name], env)).stdout)).toMatchObject({ alive: false });
    const left = await until('no process of the HOME left', async () => {
      const procs = (await processesOfHome(spec.home.home)).filter(([, cmd]) => !spec.leftovers?.test(cmd));
      return procs.length === 0 ? true : (log(`left: ${JSON.stringify(procs)}`), false);
    }, 10_000, 500);
    expect(left).toBe(true);
    log('done');
  } finally {
    await mock.close();
    await sb.cleanup();
    await spec.home.cleanup();
  }
}
