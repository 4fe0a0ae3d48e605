import { Command } from 'commander';
import { sessionContext } from '../sessions/context.js';
import { positiveNumber, requireName } from '../sessions/options.js';
import { stopSession } from '../sessions/stop.js';
import { printJson, withExamples } from './common.js';

export function stopCommand(): Command {
  const command = new Command('stop')
    .description(
      'stop a session gracefully (Claude Code: Ctrl-C twice, then /exit), keeping a worktree with changes; force-kill after --timeout',
    )
    .requiredOption('--name <name>', 'the session name')
    .option('--timeout <seconds>', 'graceful shutdown time before the force kill', positiveNumber('--timeout'), 30)
    .action(async (opts: { name: string; timeout: number }, cmd: Command) => {
      const ctx = sessionContext(cmd);
      const name = requireName(opts.name);
      const out = await stopSession(ctx, name, opts.timeout * 1000);
      printJson(out);
      if (out.worktree) process.stderr.write(`kage-bunshin: the worktree of "${name}" is kept at ${out.worktree}\n`);
    });
  return withExamples(
    command,
    'kb stop --name fix-login',
    'kb stop --name fix-login --timeout 10 | jq -r .resume_id   # then: claude --resume <id>',
  );
}
