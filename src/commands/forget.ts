import { Command } from 'commander';
import { forgetSession } from '../sessions/manage.js';
import { requireName } from '../sessions/options.js';
import { printJson, sessionContextFor, withExamples } from './common.js';

export function forgetCommand(): Command {
  const command = new Command('forget')
    .description('remove a stopped or dead session from the registry (a running one is refused)')
    .requiredOption('--name <name>', 'the session name')
    .option('--force', 'remove the entry without checking its session (a host that cannot be reached; the session may still run there)')
    .action(async (opts: { name: string; force?: boolean }, cmd: Command) => {
      printJson(await forgetSession(sessionContextFor(cmd), requireName(opts.name), { force: opts.force === true }));
    });
  return withExamples(command, 'kb forget --name fix-login', 'kb forget --name old-worker --force   # its host is gone for good');
}
