import { Command } from 'commander';
import { sessionContext } from '../sessions/context.js';
import { sessionStatus } from '../sessions/status.js';
import { getEntry } from '../sessions/target.js';
import { printJson, withExamples } from './common.js';
import { requireName } from '../sessions/options.js';

export function statusCommand(): Command {
  const command = new Command('status')
    .description('liveness and classified state of one session, as one JSON object')
    .requiredOption('--name <name>', 'the session name')
    .action(async (opts: { name: string }, cmd: Command) => {
      const ctx = sessionContext(cmd);
      const entry = await getEntry(ctx, requireName(opts.name));
      printJson(await sessionStatus(entry, ctx.server, await ctx.rules()));
    });
  return withExamples(
    command,
    'kb status --name fix-login',
    "kb status --name fix-login | jq -r .state   # idle, working, permission_approval, ...",
  );
}
