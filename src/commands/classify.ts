import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { classify } from '../classify/index.js';
import { ExitCode } from '../errors.js';
import { loadRuleSetSync } from '../rules/load.js';
import { collect, printJson, withExamples } from './common.js';

interface ClassifyOptions {
  rules: string[];
  agent?: string;
  command?: string;
  dead?: boolean;
}

function readInput(file: string): string {
  return file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
}

export function classifyCommand(): Command {
  const command = new Command('classify')
    .description('classify recorded pane captures (raw capture-pane output, ANSI allowed); one JSON line per file')
    .argument('<files...>', 'pane capture files, or - for standard input')
    .option('--rules <dir>', 'a directory of rule files layered over the built-in rules (repeatable)', collect, [])
    .option('--agent <name>', 'the agent that drew the screen (claude, codex, gemini, shell): selects its rules')
    .option('--command <name>', "the pane's current command, as tmux reports it")
    .option('--dead', 'the pane is dead (its program exited)')
    .action((files: string[], options: ClassifyOptions) => {
      const rules = loadRuleSetSync(options.rules);
      let failed = false;
      for (const file of files) {
        let raw: string;
        try {
          raw = readInput(file);
        } catch (error) {
          failed = true;
          const code = (error as NodeJS.ErrnoException).code;
          printJson({ file, error: code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message });
          continue;
        }
        const result = classify(raw, rules, { agent: options.agent, command: options.command, dead: options.dead });
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
    'kb classify --agent claude fixtures/claude/bash-permission.pane',
    'tmux capture-pane -p -e -t %3 | kb classify --agent claude -',
    'kb classify --rules ./my-rules *.pane',
  );
}
