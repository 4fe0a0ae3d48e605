import { Command } from 'commander';
import { forgetSession } from '../sessions/manage.js';
import { requireName } from '../sessions/options.js';
import { printJson, sessionContextFor, withExamples } from './common.js';

export function forgetCommand(): Command {
  const command = new Command('forget')
    .description('remove a stopped or dead session from the registry (a running one is refused)')
    .requiredOption('--name <name>', 'the session name')
    .action(async (opts: { name: string }, cmd: Command) => {
      printJson(await forgetSession(sessionContextFor(cmd), requireName(opts.name)));
    });
  return withExamples(command, 'kb forget --name fix-login');
}
