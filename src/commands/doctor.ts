import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { CUSTOM } from '../agents/catalog.js';
import { gitTopLevel, isRootUser, refusal } from '../agents/launch.js';
import { agentVersion, newerThanRecorded } from '../sessions/agent-version.js';
import { readRegistry, RegistryMissingError } from '../sessions/registry.js';
import { execBounded } from '../tmux/exec.js';
import { isNoServer, runTmux } from '../tmux/run.js';
import { sessionContextFor, stackFor, withExamples } from './common.js';

type Level = 'ok' | 'warn' | 'FAIL';
interface Check {
  level: Level;
  what: string;
  detail: string;
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
    .description('check tmux, the agent CLIs (versions against the recorded ones), the state directory, the registry and the rules')
    .action(async (_opts: unknown, cmd: Command) => {
      const checks: Check[] = [];
      const add = (level: Level, what: string, detail: string) => checks.push({ level, what, detail });
      const ctx = sessionContextFor(cmd);

      const version = await tmuxVersion();
      if (version === null) add('FAIL', 'tmux', 'not found on PATH: install tmux 3.2 or later (apt-get install -y tmux)');
      else {
        const m = /(\d+)\.(\d+)/.exec(version);
        const ok = m ? Number(m[1]) > 3 || (Number(m[1]) === 3 && Number(m[2]) >= 2) : false;
        add(ok ? 'ok' : 'FAIL', 'tmux', ok ? version : `${version}: 3.2 or later is needed (new-session -e, pane options)`);
        const server = ctx.server.socket ? `socket "${ctx.server.socket}"` : 'default server';
        try {
          const r = await runTmux(ctx.server, ['list-sessions', '-F', '#{session_name}']);
          if (r.exitCode === 0) add('ok', 'tmux server', `${server}: ${r.stdout.split('\n').filter(Boolean).length} session(s)`);
          else if (isNoServer(r.stderr) || /no sessions/i.test(r.stderr)) add('ok', 'tmux server', `${server}: not running (spawn starts it)`);
          else add('FAIL', 'tmux server', `${server}: ${r.stderr.trim()}`);
        } catch (error) {
          add('FAIL', 'tmux server', `${server}: ${(error as Error).message}`);
        }
      }

      let stack;
      try {
        stack = stackFor(cmd);
        add('ok', 'rules', `${stack.rules.rules.length} rules from ${stack.rules.files.length} files, ${stack.agents.all().length} agent profiles`);
      } catch (error) {
        add('FAIL', 'rules', `${(error as Error).message}; run kb rules check`);
      }
      if (stack) {
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
      const top = gitTopLevel(process.cwd());
      add(top ? 'ok' : 'warn', 'git', top ? `repository ${top}` : 'not inside a git repository: agents whose profile makes a worktree per session need one');

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
  return withExamples(command, 'kb doctor', 'kb --socket fleet doctor', 'kb --rules ./my-agents doctor   # with your own agent profiles');
}
