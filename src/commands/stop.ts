import { Command } from 'commander';
import { positiveNumber, requireName } from '../sessions/options.js';
import { stopSession } from '../sessions/stop.js';
import { printJson, sessionContextFor, withExamples } from './common.js';

export function stopCommand(): Command {
  const command = new Command('stop')
    .description(
      "stop a session gracefully as its agent's profile says (exit keys, a slash command), answering its exit dialogs so a worktree with changes is kept; force-kill after --timeout",
    )
    .requiredOption('--name <name>', 'the session name')
    .option('--timeout <seconds>', 'graceful shutdown time before the force kill', positiveNumber('--timeout'), 30)
    .action(async (opts: { name: string; timeout: number }, cmd: Command) => {
      const name = requireName(opts.name);
      const out = await stopSession(sessionContextFor(cmd), name, opts.timeout * 1000);
      printJson(out);
      if (out.worktree) process.stderr.write(`kage-bunshin: the worktree of "${name}" is kept at ${out.worktree}\n`);
    });
  return withExamples(
    command,
    'kb stop --name fix-login',
    'kb stop --name fix-login --timeout 10 | jq -r .resume_command   # the command line the agent printed to resume',
  );
}
