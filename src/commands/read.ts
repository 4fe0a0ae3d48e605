import { Command } from 'commander';
import { sessionContext } from '../sessions/context.js';
import { requirePane } from '../sessions/target.js';
import { capturePane } from '../tmux/session.js';
import { withExamples } from './common.js';
import { positiveInteger, requireName } from '../sessions/options.js';

export function readCommand(): Command {
  const command = new Command('read')
    .description("print a session's pane text (wrapped lines joined; works on an exited pane too)")
    .requiredOption('--name <name>', 'the session name')
    .option('--lines <n>', 'how many lines from the end', positiveInteger('--lines'), 200)
    .action(async (opts: { name: string; lines: number }, cmd: Command) => {
      const ctx = sessionContext(cmd);
      const live = await requirePane(ctx, requireName(opts.name));
      const raw = await capturePane(live.server, live.pane.paneId, { join: true, history: opts.lines });
      const lines = raw.replace(/\r/g, '').split('\n').map((l) => l.trimEnd());
      while (lines.length && lines[lines.length - 1] === '') lines.pop();
      const out = lines.slice(-opts.lines).join('\n');
      process.stdout.write(out === '' ? '' : `${out}\n`);
    });
  return withExamples(command, 'kb read --name fix-login', 'kb read --name fix-login --lines 30');
}
