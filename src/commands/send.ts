import { Command } from 'commander';
import { UsageError } from '../errors.js';
import { sessionContext } from '../sessions/context.js';
import { paneRef, sendKeys, sendMessage } from '../sessions/send.js';
import { requireLivePane } from '../sessions/target.js';
import { printJson, withExamples } from './common.js';
import { positiveNumber, requireName } from '../sessions/options.js';

export function sendCommand(): Command {
  const command = new Command('send')
    .description('type a message into a session and confirm it was submitted, or answer a dialog with --keys')
    .requiredOption('--name <name>', 'the session name')
    .option('--keys', 'the arguments are key names sent one at a time (Enter Escape Up Down Tab BTab Space, digits, y, n, single characters, C-c)')
    .option('--force', 'type the message even though the screen shows a dialog answered by keys')
    .option('--stdin', 'read the message from standard input (any size, any bytes of text)')
    .option('--timeout <seconds>', 'with --keys: how long to wait for the screen to change', positiveNumber('--timeout'), 5)
    .argument('[text...]', 'the message (quote it), or with --keys the keys')
    .action(async (words: string[], opts: { name: string; keys?: boolean; force?: boolean; stdin?: boolean; timeout: number }, cmd: Command) => {
      const ctx = sessionContext(cmd);
      const name = requireName(opts.name);
      if (opts.stdin) {
        if (opts.keys || words.length) throw new UsageError('--stdin takes no text arguments and no --keys');
        words = [await readStdin()];
      }
      if (words.length === 0) {
        throw new UsageError('nothing to send', `kb send --name ${name} "message", or kb send --name ${name} --keys Enter`);
      }
      const live = await requireLivePane(ctx, name);
      const ref = paneRef(live.entry, live.server, live.pane.paneId, await ctx.rules());
      if (opts.keys) await sendKeys(ref, words, { name, timeoutMs: opts.timeout * 1000 });
      else await sendMessage(ref, words.join(' '), { name, force: opts.force === true });
      printJson({ status: 'sent', name });
    });
  return withExamples(
    command,
    'kb send --name fix-login "Also add a test for the redirect; keep it small."',
    'kb send --name fix-login --keys Enter            # approve the highlighted option',
    'kb send --name fix-login --keys Down Enter       # pick the second option',
    'kb send --name fix-login -- "-text that starts with a dash"',
    'git diff | kb send --name fix-login --stdin             # multi-line text of any size',
  );
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
