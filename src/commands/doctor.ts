import { Command } from 'commander';
import { execa } from 'execa';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sessionContext } from '../sessions/context.js';
import { agentBinary, BIN_ENV, rootWithoutSandbox } from '../sessions/agents.js';
import { readRegistry, RegistryMissingError } from '../sessions/registry.js';
import { gitTopLevel } from '../sessions/worktree.js';
import { isNoServer, runTmux } from '../tmux/run.js';
import { withExamples } from './common.js';

type Level = 'ok' | 'warn' | 'FAIL';
interface Check {
  level: Level;
  what: string;
  detail: string;
}

async function version(bin: string, args: string[]): Promise<string | null> {
  try {
    const r = await execa(bin, args, { reject: false, timeout: 15_000, stdin: 'ignore' });
    if (r.exitCode !== 0) return null;
    return String(r.stdout).trim().split('\n')[0] ?? '';
  } catch {
    return null;
  }
}

export function doctorCommand(): Command {
  const command = new Command('doctor')
    .description('check tmux, the agent CLIs, the state directory, the registry and the rules')
    .action(async (_opts: unknown, cmd: Command) => {
      const checks: Check[] = [];
      const add = (level: Level, what: string, detail: string) => checks.push({ level, what, detail });
      const ctx = sessionContext(cmd);

      const tmuxVersion = await version('tmux', ['-V']);
      if (tmuxVersion === null) add('FAIL', 'tmux', 'not found on PATH: install tmux 3.2 or later (apt-get install -y tmux)');
      else {
        const m = /(\d+)\.(\d+)/.exec(tmuxVersion);
        const ok = m ? Number(m[1]) > 3 || (Number(m[1]) === 3 && Number(m[2]) >= 2) : false;
        add(ok ? 'ok' : 'FAIL', 'tmux', ok ? tmuxVersion : `${tmuxVersion}: 3.2 or later is needed (new-session -e, pane options)`);
        const server = ctx.server.socket ? `socket "${ctx.server.socket}"` : 'default server';
        const r = await runTmux(ctx.server, ['list-sessions', '-F', '#{session_name}']);
        if (r.exitCode === 0) add('ok', 'tmux server', `${server}: ${r.stdout.split('\n').filter(Boolean).length} session(s)`);
        else if (isNoServer(r.stderr)) add('ok', 'tmux server', `${server}: not running (spawn starts it)`);
        else add('FAIL', 'tmux server', `${server}: ${r.stderr.trim()}`);
      }

      for (const agent of ['claude', 'codex', 'gemini'] as const) {
        const bin = agentBinary(agent, process.env);
        const v = await version(bin, ['--version']);
        const via = process.env[BIN_ENV[agent]] ? ` (${BIN_ENV[agent]})` : '';
        if (v === null) add('warn', agent, `${bin}${via}: not found or not runnable; --agent ${agent} will fail (set ${BIN_ENV[agent]} to its path)`);
        else add('ok', agent, `${bin}${via}: ${v}`);
      }
      if (rootWithoutSandbox(process.env)) {
        add('warn', 'root', 'running as root without IS_SANDBOX=1: spawn --permission-mode bypassPermissions (the default) will be refused; pass --permission-mode default');
      }
      const top = gitTopLevel(process.cwd());
      add(top ? 'ok' : 'warn', 'git', top ? `repository ${top} (claude worktrees go to .claude/worktrees/)` : 'not inside a git repository: claude --worktree needs one');

      try {
        const dir = join(ctx.stateDir, 'kage-bunshin');
        await mkdir(dir, { recursive: true });
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
      try {
        const rules = await ctx.rules();
        add('ok', 'rules', `${rules.rules.length} rules from ${rules.files.length} files`);
      } catch (error) {
        add('FAIL', 'rules', `${(error as Error).message}; run kb rules check`);
      }

      const width = Math.max(...checks.map((c) => c.what.length));
      for (const c of checks) process.stdout.write(`${c.level.padEnd(4)}  ${c.what.padEnd(width)}  ${c.detail}\n`);
      const failed = checks.filter((c) => c.level === 'FAIL').length;
      process.stdout.write(failed ? `${failed} problem(s) found\n` : 'all checks passed\n');
      if (failed) process.exitCode = 1;
    });
  return withExamples(command, 'kb doctor', 'kb --socket fleet doctor');
}
