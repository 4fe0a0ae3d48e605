import { Command } from 'commander';
import { requireName } from '../sessions/options.js';
import { killSessionNow } from '../sessions/stop.js';
import { printJson, sessionContextFor, withExamples } from './common.js';

export function killCommand(): Command {
  const command = new Command('kill')
    .description('force-kill a session at once (last resort: prefer stop); the entry stays until forget')
    .requiredOption('--name <name>', 'the session name')
    .action(async (opts: { name: string }, cmd: Command) => {
      const name = requireName(opts.name);
      const out = await killSessionNow(sessionContextFor(cmd), name);
      printJson(out);
      if (out.worktree) process.stderr.write(`kage-bunshin: the worktree of "${name}" was left at ${out.worktree}\n`);
    });
  return withExamples(command, 'kb kill --name fix-login');
}
