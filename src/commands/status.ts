import { Command } from 'commander';
import { requireName } from '../sessions/options.js';
import { sessionStatus } from '../sessions/status.js';
import { getEntry } from '../sessions/target.js';
import { printJson, sessionContextFor, withExamples } from './common.js';

export function statusCommand(): Command {
  const command = new Command('status')
    .description('liveness and classified state of one session, as one JSON object')
    .requiredOption('--name <name>', 'the session name')
    .action(async (opts: { name: string }, cmd: Command) => {
      const ctx = sessionContextFor(cmd);
      const entry = await getEntry(ctx, requireName(opts.name));
      printJson(await sessionStatus(ctx, entry));
    });
  return withExamples(
    command,
    'kb status --name fix-login',
    "kb status --name fix-login | jq -r .state   # idle, working, permission_approval, ...",
  );
}
