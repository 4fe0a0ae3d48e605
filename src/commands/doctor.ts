import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { CUSTOM } from '../agents/catalog.js';
import { gitTopLevel, isRootUser, refusal } from '../agents/launch.js';
import type { Stack } from '../agents/stack.js';
import { KbError } from '../errors.js';
import { agentVersion, agentVersionOn, newerThanRecorded } from '../sessions/agent-version.js';
import { readRegistry, RegistryMissingError } from '../sessions/registry.js';
import { parseFacts } from '../sessions/remote-host.js';
import { execBounded } from '../tmux/exec.js';
import { isNoServer, runTmux, tmuxDeadline, type TmuxServer } from '../tmux/run.js';
import { controlDir, ensureControlDir, loginArgv, parseDestination, runOnHost } from '../tmux/ssh.js';
import { sessionContextFor, stackFor, withExamples } from './common.js';

type Level = 'ok' | 'warn' | 'FAIL';
interface Check {
  level: Level;
  what: string;
  detail: string;
}

/** tmux 3.2 or later (new-session -e, pane options). */
function tmuxVersionOk(version: string): boolean {
  const m = /(\d+)\.(\d+)/.exec(version);
  return m ? Number(m[1]) > 3 || (Number(m[1]) === 3 && Number(m[2]) >= 2) : false;
}

async function serverCheck(server: TmuxServer, add: (level: Level, what: string, detail: string) => void): Promise<void> {
  const label = `${server.socket ? `socket "${server.socket}"` : 'default server'}${server.host ? ` on ${server.host}` : ''}`;
  try {
    const r = await runTmux(server, ['list-sessions', '-F', '#{session_name}']);
    if (r.exitCode === 0) add('ok', 'tmux server', `${label}: ${r.stdout.split('\n').filter(Boolean).length} session(s)`);
    else if (isNoServer(r.stderr) || /no sessions/i.test(r.stderr)) add('ok', 'tmux server', `${label}: not running (spawn starts it)`);
    else add('FAIL', 'tmux server', `${label}: ${r.stderr.trim()}`);
  } catch (error) {
    add('FAIL', 'tmux server', `${label}: ${(error as Error).message}`);
  }
}

const HOST_FACTS = 'echo "user=$(id -un 2>/dev/null)"; echo "uid=$(id -u 2>/dev/null)"; echo "os=$(uname -sr 2>/dev/null)"; echo "home=$HOME"; echo "shell=$SHELL"';

/**
 * `doctor --host DEST`: what spawn and every other command need on that machine, checked
 * the way they use it: ssh (BatchMode, the shared connection), tmux there, the agent CLIs
 * through the login shell (as spawn starts them), git.
 */
async function hostChecks(host: string, stack: Stack | undefined, socket: string | undefined, add: (level: Level, what: string, detail: string) => void): Promise<void> {
  try {
    const dir = controlDir();
    ensureControlDir(dir);
    add('ok', 'ssh control dir', `${dir} (0700; connections to a host are shared through it)`);
  } catch (error) {
    add('FAIL', 'ssh control dir', `${(error as Error).message}; ${(error as KbError).hint ?? ''}`);
    return;
  }
  const t0 = Date.now();
  let facts: Record<string, string>;
  try {
    const r = await runOnHost(host, ['/bin/sh', '-c', HOST_FACTS], { timeoutMs: tmuxDeadline(), what: 'a login' });
    facts = parseFacts(r.stdout);
    add('ok', 'ssh', `${host}: logged in as ${facts.user || '?'} in ${Date.now() - t0} ms (${facts.os || 'unknown system'}, shell ${facts.shell || '?'})`);
  } catch (error) {
    add('FAIL', 'ssh', `${(error as Error).message}; fix: ${(error as KbError).hint ?? 'check ssh by hand'}`);
    return;
  }
  const server: TmuxServer = { host, socket };
  try {
    const r = await runTmux(server, ['-V']);
    const version = r.stdout.trim();
    if (r.exitCode !== 0) add('FAIL', 'tmux', `${host}: tmux -V exited ${r.exitCode}: ${r.stderr.trim()}`);
    else add(tmuxVersionOk(version) ? 'ok' : 'FAIL', 'tmux', `${host}: ${version}${tmuxVersionOk(version) ? '' : ': 3.2 or later is needed'}`);
  } catch (error) {
    add('FAIL', 'tmux', `${(error as Error).message}; fix: ${(error as KbError).hint ?? ''}`);
    return;
  }
  await serverCheck(server, add);
  if (stack) {
    const env = { HOME: facts.home, SHELL: facts.shell, USER: facts.user };
    const agents = stack.agents.all().filter((a) => a.name !== CUSTOM && a.profile.version);
    const versions = await Promise.all(agents.map((a) => agentVersionOn(host, a, env)));
    agents.forEach((agent, i) => {
      const bin = agent.binary(env);
      const v = versions[i];
      if (v === null || v === undefined) {
        add('warn', agent.name, `${host}: ${bin} not found or not runnable through the login shell there; --agent ${agent.name} --host ${host} will fail${agent.profile.binary_env?.[0] ? ` (or name it: --env ${agent.profile.binary_env[0]}=/path)` : ''}`);
        return;
      }
      const recorded = agent.recordedVersions.length ? `; rules recorded from ${agent.recordedVersions.join(', ')}` : '';
      if (newerThanRecorded(agent, v)) add('warn', agent.name, `${host}: ${bin} ${v} is newer than every version the rules were recorded from (${agent.recordedVersions.join(', ')})`);
      else add('ok', agent.name, `${host}: ${bin} ${v}${recorded}`);
    });
  }
  try {
    const r = await runOnHost(host, loginArgv(['git', '--version']), { timeoutMs: tmuxDeadline(), what: 'git --version' });
    add(r.exitCode === 0 ? 'ok' : 'warn', 'git', r.exitCode === 0 ? `${host}: ${r.stdout.trim()}` : `${host}: git not found: agents whose profile makes a worktree per session need it`);
  } catch (error) {
    add('warn', 'git', `${host}: ${(error as Error).message}`);
  }
}

async function tmuxVersion(): Promise<string | null> {
  try {
    const r = await execBounded('tmux', ['-V'], { timeoutMs: 5_000 });
    return r.exitCode === 0 ? r.stdout.trim() : null;
  } catch {
    return null;
  }
}

export function doctorCommand(): Command {
  const command = new Command('doctor')
    .description('check tmux, the agent CLIs (versions against the recorded ones), the state directory, the registry and the rules; with --host, ssh, tmux and the agent CLIs on that machine')
    .option('--host <dest>', 'check another machine, over ssh: the connection, tmux and the agent CLIs there')
    .action(async (opts: { host?: string }, cmd: Command) => {
      const checks: Check[] = [];
      const add = (level: Level, what: string, detail: string) => checks.push({ level, what, detail });
      const ctx = sessionContextFor(cmd);
      if (opts.host !== undefined) parseDestination(opts.host);

      if (opts.host !== undefined) {
        let hostStack: Stack | undefined;
        try {
          hostStack = stackFor(cmd);
        } catch {
          // reported with the rules below
        }
        await hostChecks(opts.host, hostStack, ctx.server.socket, add);
      }
      const version = opts.host !== undefined ? undefined : await tmuxVersion();
      if (version === undefined) {
        // --host: the local tmux and agents are not the question.
      } else
      if (version === null) add('FAIL', 'tmux', 'not found on PATH: install tmux 3.2 or later (apt-get install -y tmux)');
      else {
        const ok = tmuxVersionOk(version);
        add(ok ? 'ok' : 'FAIL', 'tmux', ok ? version : `${version}: 3.2 or later is needed (new-session -e, pane options)`);
        await serverCheck(ctx.server, add);
      }

      let stack;
      try {
        stack = stackFor(cmd);
        add('ok', 'rules', `${stack.rules.rules.length} rules from ${stack.rules.files.length} files, ${stack.agents.all().length} agent profiles`);
      } catch (error) {
        add('FAIL', 'rules', `${(error as Error).message}; run kb rules check`);
      }
      if (stack && opts.host === undefined) {
        const agents = stack.agents.all().filter((a) => a.name !== CUSTOM && a.profile.version);
        const versions = await Promise.all(agents.map((a) => agentVersion(a, process.env)));
        agents.forEach((agent, i) => {
          const bin = agent.binary(process.env);
          const via = agent.binaryVia(process.env);
          const v = versions[i];
          const label = `${bin}${via ? ` (${via})` : ''}`;
          if (v === null || v === undefined) {
            add('warn', agent.name, `${label}: not found or not runnable; --agent ${agent.name} will fail${agent.profile.binary_env?.[0] ? ` (set ${agent.profile.binary_env[0]} to its path)` : ''}`);
            return;
          }
          const recorded = agent.recordedVersions.length ? `; rules recorded from ${agent.recordedVersions.join(', ')}` : '';
          if (newerThanRecorded(agent, v)) {
            add('warn', agent.name, `${label}: ${v} is newer than every version the rules were recorded from (${agent.recordedVersions.join(', ')}): its screens may have changed; check with kb rules explain on a captured screen`);
          } else add('ok', agent.name, `${label}: ${v}${recorded}`);
          const pm = agent.profile.launch.permission_mode;
          const refused = pm?.default ? refusal(agent, pm.default, process.env, isRootUser()) : null;
          if (refused) add('warn', agent.name, `the default --permission-mode ${pm!.default} will be refused here: ${refused.hint}`);
        });
      }
      const top = opts.host === undefined ? gitTopLevel(process.cwd()) : undefined;
      if (top !== undefined) add(top ? 'ok' : 'warn', 'git', top ? `repository ${top}` : 'not inside a git repository: agents whose profile makes a worktree per session need one');

      try {
        const dir = join(ctx.stateDir, 'kage-bunshin');
        await mkdir(dir, { recursive: true, mode: 0o700 });
        const probe = join(dir, `.doctor-${process.pid}`);
        await writeFile(probe, 'ok');
        await rm(probe);
        add('ok', 'state directory', `${ctx.stateDir} (session id ${ctx.sessionId})`);
      } catch (error) {
        add('FAIL', 'state directory', `${ctx.stateDir}: not writable (${(error as Error).message}); pass --state-dir DIR`);
      }
      try {
        const registry = await readRegistry(ctx.registry);
        add('ok', 'registry', `${ctx.registry}: ${Object.keys(registry).length} session(s)`);
      } catch (error) {
        if (error instanceof RegistryMissingError) add('ok', 'registry', `${ctx.registry}: none yet`);
        else add('FAIL', 'registry', (error as Error).message);
      }

      const width = Math.max(...checks.map((c) => c.what.length));
      for (const c of checks) process.stdout.write(`${c.level.padEnd(4)}  ${c.what.padEnd(width)}  ${c.detail}\n`);
      const failed = checks.filter((c) => c.level === 'FAIL').length;
      process.stdout.write(failed ? `${failed} problem(s) found\n` : 'all checks passed\n');
      if (failed) process.exitCode = 1;
    });
  return withExamples(command, 'kb doctor', 'kb --socket fleet doctor', 'kb doctor --host dev@build-box   # ssh, tmux and the agent CLIs there', 'kb --rules ./my-agents doctor   # with your own agent profiles');
}
