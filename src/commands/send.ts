import { Command } from 'commander';
import { UsageError } from '../errors.js';
import { sendKeysTo, sendMessage } from '../sessions/message.js';
import { positiveNumber, requireName } from '../sessions/options.js';
import { parseKey } from '../tmux/keys.js';
import { printJson, sessionContextFor, withExamples } from './common.js';

export function sendCommand(): Command {
  const command = new Command('send')
    .description('type a message into a session and prove it was submitted, or answer a dialog with --keys')
    .requiredOption('--name <name>', 'the session name')
    .option('--keys', 'the arguments are key names sent one at a time (Enter Escape Up Down Tab BTab Space, digits, y, n, single characters, C-c)')
    .option('--force', 'type the message even though the screen shows a dialog answered by keys')
    .option('--stdin', 'read the message from standard input (any size, any bytes of text)')
    .option('--timeout <seconds>', 'with --keys: how long to wait for the screen to change', positiveNumber('--timeout'), 5)
    .argument('[text...]', 'the message (quote it), or with --keys the keys')
    .action(async (words: string[], opts: { name: string; keys?: boolean; force?: boolean; stdin?: boolean; timeout: number }, cmd: Command) => {
      const ctx = sessionContextFor(cmd);
      const name = requireName(opts.name);
      if (opts.stdin) {
        if (opts.keys || words.length) throw new UsageError('--stdin takes no text arguments and no --keys');
        words = [await readStdin()];
      }
      if (words.length === 0) {
        throw new UsageError('nothing to send', `kb send --name ${name} "message", or kb send --name ${name} --keys Enter`);
      }
      if (opts.keys) {
        words.forEach(parseKey); // bad key names are usage errors before anything is sent
        await sendKeysTo(ctx, name, words, { timeoutMs: opts.timeout * 1000 });
        printJson({ status: 'sent', name });
        return;
      }
      const delivery = await sendMessage(ctx, name, words.join(' '), { force: opts.force === true });
      printJson({ status: 'sent', name, delivery: delivery.proof });
    });
  return withExamples(
    command,
    'kb send --name fix-login "Also add a test for the redirect; keep it small."',
    'kb send --name fix-login --keys Enter            # approve the highlighted option',
    'kb send --name fix-login --keys Down Enter       # pick the second option',
    'kb send --name fix-login -- "-text that starts with a dash"',
    'git diff | kb send --name fix-login --stdin             # multi-line text of any size',
    '# "sent" means the agent took it: it went busy, raised a dialog, or the text left the input',
    '# field and shows in the conversation. Otherwise exit 1 with what the screen shows.',
  );
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
