import { Command } from 'commander';
import { hookMain } from '../evidence/hook-main.js';
import { withExamples } from './common.js';

export function hookCommand(): Command {
  const command = new Command('hook')
    .description("internal: the command spawn wires into an agent's own hooks; reads one event on stdin and appends it to the session's event log; prints nothing, always exits 0")
    .option('--log <file>', "the session's event log")
    .action(async () => {
      // (kb hook normally takes a shorter path in cli.ts that loads only the hook code.)
      await hookMain(process.argv.slice(process.argv.indexOf('hook') + 1));
    });
  return withExamples(command, "echo '{\"hook_event_name\":\"Stop\"}' | kb hook --log /tmp/events.jsonl");
}
