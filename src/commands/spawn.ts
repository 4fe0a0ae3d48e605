import { Command, InvalidArgumentError } from 'commander';
import { loadStack } from '../agents/stack.js';
import { positiveNumber } from '../sessions/options.js';
import { parseSize, spawnSession } from '../sessions/spawn.js';
import { collect, printJson, sessionContextFor, withExamples } from './common.js';

interface SpawnFlags {
  name?: string;
  model?: string;
  maxBudget?: string;
  permissionMode?: string;
  agent?: string;
  command?: string;
  size: string;
  acceptDialogs?: boolean;
  readyTimeout: number;
  host?: string;
  cwd?: string;
  env?: string[];
}

/** The built-in agents, for the help text: each with its permission modes, if it has any. */
function builtinAgents(): string {
  try {
    const agents = loadStack().agents;
    const lines = agents.all().map((a) => {
      const pm = a.profile.launch.permission_mode;
      const modes = pm ? `; --permission-mode ${pm.values.join(', ')}${pm.default ? ` (default ${pm.default})` : ''}` : '';
      const flags = [a.profile.launch.model ? '--model' : '', a.profile.launch.max_budget ? '--max-budget' : ''].filter(Boolean).join(', ');
      return `  ${a.name}${a.name === agents.default().name ? ' (default)' : ''}: ${a.title}${flags ? `; takes ${flags}` : ''}${modes}`;
    });
    return lines.join('\n');
  } catch (error) {
    return `  (the agent profiles do not load: ${(error as Error).message})`;
  }
}

export function spawnCommand(): Command {
  const command = new Command('spawn')
    .description('start an agent in a new tmux session, wait until its REPL is ready, deliver the prompt and prove it was submitted')
    .argument('[prompt]', 'the first message (optional for --agent shell or a command)')
    .option('--name <name>', "session name, [A-Za-z0-9_-] up to 64 (default: from the prompt's first words)")
    .option('--agent <name>', 'the agent CLI, by its profile name (see below); a command line here is taken as --command')
    .option('--command <cmd>', "run this command line instead of an agent CLI (classified with the generic rules, agent \"custom\")")
    .option('--model <model>', "the agent's model (agents whose profile has launch.model)")
    .option('--max-budget <usd>', "the agent's spending limit in USD, a number greater than 0 (agents whose profile has launch.max_budget)", (v: string) => {
      if (!(Number(v) > 0)) throw new InvalidArgumentError(`--max-budget must be a number greater than 0, got ${JSON.stringify(v)}`);
      return v;
    })
    .option('--permission-mode <mode>', "the agent's permission mode (agents whose profile has launch.permission_mode: see below)")
    .option('--size <WxH>', 'terminal size', '200x50')
    .option('--accept-dialogs', 'answer first-run dialogs (workspace trust, API key, bypass acceptance) by choosing their accepting option')
    .option('--ready-timeout <seconds>', 'how long to wait for the REPL', positiveNumber('--ready-timeout'), 90)
    .option('--host <dest>', 'start the session on another machine, over ssh: host, user@host, user@host:port or a ~/.ssh/config alias')
    .option('--cwd <dir>', "the agent's working directory (with --host: a directory on that host; default there: the login's home)")
    .option('--env <NAME[=VALUE]>', 'a variable for the agent (repeatable); NAME alone takes its value from your environment, so secrets stay out of argv. With --host these are the only variables passed', collect, [])
    .action(async (prompt: string | undefined, opts: SpawnFlags, cmd: Command) => {
      const ctx = sessionContextFor(cmd);
      const { width, height } = parseSize(opts.size);
      const outcome = await spawnSession(ctx, {
        name: opts.name,
        prompt,
        agent: opts.agent,
        command: opts.command,
        model: opts.model,
        maxBudget: opts.maxBudget,
        permissionMode: opts.permissionMode,
        width,
        height,
        acceptDialogs: opts.acceptDialogs === true,
        readyTimeoutMs: opts.readyTimeout * 1000,
        host: opts.host,
        cwd: opts.cwd,
        env: opts.env,
      });
      printJson(outcome.output);
      if (outcome.error) process.stderr.write(`kage-bunshin: ${outcome.error.message}\n${outcome.error.hint ? `  fix: ${outcome.error.hint}\n` : ''}`);
      process.exitCode = outcome.exitCode;
    });
  command.addHelpText('after', () => `\nAgents (built-in profiles; --rules DIR adds more):\n${builtinAgents()}`);
  return withExamples(
    command,
    'kb spawn --name fix-login --permission-mode acceptEdits "Fix the login redirect bug in src/auth"',
    'kb spawn --name w1 --model sonnet --max-budget 2 --accept-dialogs "Add tests for utils/date.ts"',
    'kb spawn --name w2 --agent AGENT "Explain src/main.rs"',
    'kb spawn --name sh1 --agent shell',
    "kb spawn --name py --command 'python3 -i' 'print(6*7)'",
    'kb spawn --name w3 --host dev@build-box --cwd src/app --env ANTHROPIC_API_KEY "Fix the flaky test"',
    '# exit 3 = a first-run dialog is up: answer with kb send --name NAME --keys ..., or use --accept-dialogs',
    '# exit 1 with "prompt_sent":false = the prompt was not proven delivered (stderr says what the screen shows)',
    "# binaries: each profile's binary_env (KB_<AGENT>_BIN) overrides the agent on PATH",
  );
}
