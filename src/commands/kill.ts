import { Command } from 'commander';
import { sessionContext } from '../sessions/context.js';
import { requireName } from '../sessions/options.js';
import { updateRegistry } from '../sessions/registry.js';
import { entryServer, getEntry } from '../sessions/target.js';
import { existingPath } from '../sessions/worktree.js';
import { worktreeOf } from '../sessions/status.js';
import { killSession } from '../tmux/session.js';
import { printJson, withExamples } from './common.js';

export function killCommand(): Command {
  const command = new Command('kill')
    .description('force-kill a session at once (last resort: prefer stop); the entry stays until forget')
    .requiredOption('--name <name>', 'the session name')
    .action(async (opts: { name: string }, cmd: Command) => {
      const ctx = sessionContext(cmd);
      const name = requireName(opts.name);
      const entry = await getEntry(ctx, name);
      await killSession(entryServer(entry, ctx.server), entry.tmux_session);
      const stoppedAt = new Date().toISOString();
      await updateRegistry(ctx.registry, (registry) => {
        const current = registry[name];
        if (current && current.spawned_at === entry.spawned_at) {
          current.stopped_at ??= stoppedAt;
          current.killed = true;
        }
      });
      const worktree = existingPath(worktreeOf(entry));
      printJson({ status: 'killed', name, worktree });
      if (worktree) process.stderr.write(`kage-bunshin: the worktree of "${name}" was left at ${worktree}\n`);
    });
  return withExamples(command, 'kb kill --name fix-login');
}
