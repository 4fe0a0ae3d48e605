/**
 * The kage-bunshin program: global options defined once here, one subcommand per file
 * under src/commands/, and the one top-level error handler that maps errors to exit codes.
 * Commander's own errors (an unknown option, a missing argument) get the same shape as
 * ours: `kage-bunshin: <what>` and a `fix:` line on stderr, exit 2.
 */
import { Command, CommanderError } from 'commander';
import { collect } from './commands/common.js';
import { describeError, ExitCode } from './errors.js';
import { VERSION } from './version.js';
import { classifyCommand } from './commands/classify.js';
import { rulesCommand } from './commands/rules.js';
import { spawnCommand } from './commands/spawn.js';
import { sendCommand } from './commands/send.js';
import { readCommand } from './commands/read.js';
import { statusCommand } from './commands/status.js';
import { listCommand } from './commands/list.js';
import { stopCommand } from './commands/stop.js';
import { killCommand } from './commands/kill.js';
import { forgetCommand } from './commands/forget.js';
import { doctorCommand } from './commands/doctor.js';
import { monitorCommand } from './commands/monitor.js';
import { hookCommand } from './commands/hook.js';
import { skillCommand } from './commands/skill.js';

export function buildProgram(): Command {
  const program = new Command('kage-bunshin')
    .description('Watch, classify and steer interactive AI coding agents running in tmux.')
    .version(VERSION, '-V, --version', 'print the version')
    .option('--session-id <id>', "isolates one orchestrator's registry (env KB_SESSION_ID)")
    .option('--socket <name>', 'tmux server socket name, as tmux -L (env KB_TMUX_SOCKET)')
    .option('--state-dir <dir>', 'the project state directory (default: $DH_STATE_HOME or ~/.dh, then /projects/<slug>)')
    .option('--rules <dir>', 'a directory of rule packs and agent profiles layered over the built-in ones (repeatable; env KB_RULES, :-separated)', collect, [])
    .addHelpText(
      'after',
      `
Examples:
  kb spawn --name fix-login "Fix the login redirect bug"
  kb monitor --interval 5 --timeout 300
  kb send --name fix-login --keys Down Enter
  kb classify --agent AGENT pane.txt
  kb --rules ./my-rules rules test ./my-rules`,
    );

  program.addCommand(classifyCommand());
  program.addCommand(rulesCommand());
  program.addCommand(spawnCommand());
  program.addCommand(sendCommand());
  program.addCommand(readCommand());
  program.addCommand(statusCommand());
  program.addCommand(listCommand());
  program.addCommand(stopCommand());
  program.addCommand(killCommand());
  program.addCommand(forgetCommand());
  program.addCommand(doctorCommand());
  program.addCommand(monitorCommand());
  program.addCommand(skillCommand());
  program.addCommand(hookCommand());
  return program;
}

/** `kage-bunshin send` for `kb send`, for the fix line. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) if (c.parent) names.unshift(c.name());
  return ['kb', ...names].join(' ');
}

/**
 * Every command: commander never calls process.exit itself, and its error messages are
 * printed in kb's shape with a fix line naming that command's --help.
 */
function configure(command: Command): void {
  command.exitOverride();
  command.configureOutput({
    outputError: (text, write) => {
      const message = text.trim().replace(/^error: /, '');
      write(`kage-bunshin: ${message}\n  fix: see ${commandPath(command)} --help\n`);
    },
  });
  for (const sub of command.commands) configure(sub);
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  configure(program);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version print and exit 0; everything else commander reports is a usage error.
      if (error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.ok;
      return ExitCode.usage;
    }
    if (process.env.KB_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    const { lines, exitCode } = describeError(error);
    process.stderr.write(`${lines.join('\n')}\n`);
    return exitCode;
  }
}
