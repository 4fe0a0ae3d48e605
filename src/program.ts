/**
 * The kage-bunshin program: global options defined once here, one subcommand per file
 * under src/commands/, and the one top-level error handler that maps errors to exit codes.
 */
import { Command, CommanderError } from 'commander';
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

export function buildProgram(): Command {
  const program = new Command('kage-bunshin')
    .description('Watch, classify and steer interactive AI coding agents running in tmux.')
    .version(VERSION, '-V, --version', 'print the version')
    .option('--session-id <id>', 'isolates one orchestrator\'s registry (env KB_SESSION_ID)', process.env.KB_SESSION_ID)
    .option('--socket <name>', 'tmux server socket name, as tmux -L (env KB_TMUX_SOCKET)', process.env.KB_TMUX_SOCKET)
    .option('--state-dir <dir>', 'the project state directory (default: $DH_STATE_HOME or ~/.dh, then /projects/<slug>)')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Examples:
  kb spawn --name fix-login "Fix the login redirect bug"
  kb monitor --interval 5 --timeout 300
  kb send --name fix-login --keys Down Enter
  kb classify --agent claude pane.txt
  kb rules test ./my-rules`,
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
  return program;
}

/** Applies exitOverride to every command so that commander never calls process.exit itself. */
function overrideExits(command: Command): void {
  command.exitOverride();
  for (const sub of command.commands) overrideExits(sub);
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  overrideExits(program);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version print and exit 0; everything else commander reports is a usage error.
      if (error.exitCode === 0) return ExitCode.ok;
      return ExitCode.usage;
    }
    if (process.env.KB_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    const { lines, exitCode } = describeError(error);
    process.stderr.write(`${lines.join('\n')}\n`);
    return exitCode;
  }
}

