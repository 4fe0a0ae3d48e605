import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import type { Stack } from '../agents/stack.js';
import { classify, type PaneFacts } from '../classify/index.js';
import { ExitCode, KbError } from '../errors.js';
import { printJson, stackFor, withExamples } from './common.js';

export interface FactFlags {
  agent?: string;
  command?: string;
  dead?: boolean;
}

/** The pane facts from --agent / --command / --dead; an unknown agent is an error listing the known ones. */
export function paneFacts(stack: Stack, flags: FactFlags): PaneFacts {
  const agent = flags.agent === undefined ? undefined : stack.agents.get(flags.agent).name;
  return { agent, command: flags.command, dead: flags.dead };
}

/** A file's text, or stdin for `-`; a clear error when it cannot be read. */
export function readInput(file: string): string {
  try {
    return file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  } catch (error) {
    throw new KbError(`cannot read ${file}: ${describeReadError(error)}`, { hint: 'pass a pane capture file, or - for standard input' });
  }
}

function describeReadError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
}

export function classifyCommand(): Command {
  const command = new Command('classify')
    .description('classify recorded pane captures (raw capture-pane output, ANSI allowed); one JSON line per file')
    .argument('<files...>', 'pane capture files, or - for standard input')
    .option('--agent <name>', 'the agent that drew the screen (a profile name, or custom): selects its rules')
    .option('--command <name>', "the pane's current command, as tmux reports it")
    .option('--dead', 'the pane is dead (its program exited)')
    .action((files: string[], options: FactFlags, cmd: Command) => {
      const stack = stackFor(cmd);
      const facts = paneFacts(stack, options);
      let failed = false;
      for (const file of files) {
        let raw: string;
        try {
          raw = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
        } catch (error) {
          failed = true;
          printJson({ file, error: describeReadError(error) });
          continue;
        }
        const result = classify(raw, stack.rules, facts);
        printJson({
          file,
          state: result.state,
          rule: result.rule,
          needs_intervention: result.needs_intervention,
          answer: result.answer,
          evidence: result.evidence,
        });
      }
      if (failed) process.exitCode = ExitCode.failure;
    });
  return withExamples(
    command,
    'kb classify --agent AGENT screen.pane',
    'tmux capture-pane -p -e -t %3 | kb classify --agent AGENT -',
    'kb --rules ./my-rules classify *.pane',
  );
}
