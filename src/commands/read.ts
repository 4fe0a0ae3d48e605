import { Command } from 'commander';
import { readSession } from '../sessions/manage.js';
import { positiveInteger, requireName } from '../sessions/options.js';
import { sessionContextFor, withExamples } from './common.js';

export function readCommand(): Command {
  const command = new Command('read')
    .description("print a session's pane text (wrapped lines joined; works on an exited pane too)")
    .requiredOption('--name <name>', 'the session name')
    .option('--lines <n>', 'how many lines from the end', positiveInteger('--lines'), 200)
    .action(async (opts: { name: string; lines: number }, cmd: Command) => {
      const out = await readSession(sessionContextFor(cmd), requireName(opts.name), opts.lines);
      process.stdout.write(out === '' ? '' : `${out}\n`);
    });
  return withExamples(command, 'kb read --name fix-login', 'kb read --name fix-login --lines 30');
}
