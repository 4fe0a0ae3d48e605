import { Command, InvalidArgumentError } from 'commander';
import { sessionContext } from '../sessions/context.js';
import { positiveNumber } from '../sessions/options.js';
import { parseSize, spawnSession } from '../sessions/spawn.js';
import { printJson, withExamples } from './common.js';

interface SpawnFlags {
  name?: string;
  model?: string;
  maxBudget?: string;
  permissionMode?: string;
  agent: string;
  size: string;
  acceptDialogs?: boolean;
  readyTimeout: number;
}

export function spawnCommand(): Command {
  const command = new Command('spawn')
    .description(
      'start an agent in a new tmux session, wait until its REPL is ready, deliver the prompt and confirm it was submitted',
    )
    .argument('[prompt]', 'the first message (optional for --agent shell or a command)')
    .option('--name <name>', 'session name, [A-Za-z0-9_-] up to 64 (default: from the prompt\'s first words)')
    .option('--model <model>', 'the agent\'s model')
    .option('--max-budget <usd>', 'Claude Code --max-budget-usd (a number greater than 0)', (v: string) => {
      if (!(Number(v) > 0)) throw new InvalidArgumentError(`--max-budget must be a number greater than 0, got ${JSON.stringify(v)}`);
      return v;
    })
    .option('--permission-mode <mode>', 'Claude Code permission mode: default, acceptEdits, plan, bypassPermissions (the default; as root it needs IS_SANDBOX=1)')
    .option('--agent <agent>', "claude, codex, gemini, shell, or a command line such as 'python3 -i'", 'claude')
    .option('--size <WxH>', 'terminal size', '200x50')
    .option('--accept-dialogs', 'answer first-run dialogs (workspace trust, API key, bypass acceptance) by choosing their accepting option')
    .option('--ready-timeout <seconds>', 'how long to wait for the REPL', positiveNumber('--ready-timeout'), 90)
    .action(async (prompt: string | undefined, opts: SpawnFlags, cmd: Command) => {
      const ctx = sessionContext(cmd);
      const { width, height } = parseSize(opts.size);
      const outcome = await spawnSession(ctx, {
        name: opts.name,
        prompt,
        agent: opts.agent,
        model: opts.model,
        maxBudget: opts.maxBudget,
        permissionMode: opts.permissionMode,
        width,
        height,
        acceptDialogs: opts.acceptDialogs === true,
        readyTimeoutMs: opts.readyTimeout * 1000,
        cwd: process.cwd(),
        env: process.env,
      });
      printJson(outcome.output);
      process.exitCode = outcome.exitCode;
    });
  return withExamples(
    command,
    'kb spawn --name fix-login --permission-mode acceptEdits "Fix the login redirect bug in src/auth"',
    'kb spawn --name w1 --model sonnet --max-budget 2 --accept-dialogs "Add tests for utils/date.ts"',
    'kb spawn --name sh1 --agent shell',
    "kb spawn --name py --agent 'python3 -i' 'print(6*7)'",
    '# exit 3 = a first-run dialog is up: answer with kb send --name NAME --keys ..., or use --accept-dialogs',
    '# binaries: KB_CLAUDE_BIN, KB_CODEX_BIN, KB_GEMINI_BIN override claude / codex / gemini on PATH',
  );
}
