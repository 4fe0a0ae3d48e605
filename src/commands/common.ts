/** Small helpers shared by the command files. */
import type { Command } from 'commander';

/** Commander reducer for repeatable options (`--rules A --rules B`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Writes one compact JSON object as one line in a single write, so it is never torn. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** The global options, wherever they were given on the command line. */
export interface GlobalOptions {
  sessionId?: string;
  socket?: string;
  stateDir?: string;
}

export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals() as GlobalOptions;
}

/** Appends an "Examples:" block to a command's help. */
export function withExamples(command: Command, ...lines: string[]): Command {
  return command.addHelpText('after', `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}`);
}
