import { Command } from 'commander';
import { KbError } from '../errors.js';
import { sessionContext } from '../sessions/context.js';
import { requireName } from '../sessions/options.js';
import { updateRegistry } from '../sessions/registry.js';
import { entryPane, entryServer, getEntry } from '../sessions/target.js';
import { killSession } from '../tmux/session.js';
import { printJson, withExamples } from './common.js';

export function forgetCommand(): Command {
  const command = new Command('forget')
    .description('remove a stopped or dead session from the registry (a running one is refused)')
    .requiredOption('--name <name>', 'the session name')
    .action(async (opts: { name: string }, cmd: Command) => {
      const ctx = sessionContext(cmd);
      const name = requireName(opts.name);
      const entry = await getEntry(ctx, name);
      const pane = await entryPane(entry, ctx.server);
      if (pane && !pane.dead) {
        throw new KbError(`session "${name}" is still running; forget removes only stopped or dead sessions`, {
          hint: `stop it first: kb stop --name ${name} (or kb kill --name ${name})`,
        });
      }
      // A dead pane kept by remain-on-exit: its session goes too.
      if (pane) await killSession(entryServer(entry, ctx.server), entry.tmux_session);
      await updateRegistry(ctx.registry, (registry) => {
        if (registry[name]?.spawned_at === entry.spawned_at) delete registry[name];
      });
      printJson({ status: 'forgotten', name });
    });
  return withExamples(command, 'kb forget --name fix-login');
}
