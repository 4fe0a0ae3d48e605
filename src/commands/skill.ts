import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { describeError } from '../errors.js';
import { installSkill, resolveTarget } from '../skill/install.js';
import { loadLayout } from '../skill/layout.js';
import { hookOutput, liveSessions, quietEvent } from '../skill/remind.js';
import { renderSkill } from '../skill/render.js';
import { resolveStateDir } from '../state/paths.js';
import { VERSION } from '../version.js';
import { globals, printJson, stackFor, withExamples } from './common.js';

/** The program a subcommand belongs to: the skill's command reference is generated from it. */
function rootOf(command: Command): Command {
  let c = command;
  while (c.parent) c = c.parent;
  return c;
}

interface InstallFlags {
  dir?: string;
  global?: boolean;
  force?: boolean;
  hooks?: string;
}

function installCommand(): Command {
  const command = new Command('install')
    .description(
      "write the skill an orchestrating session loads to use kb (SKILL.md, references with every command's options and examples), and print the paths written as JSON",
    )
    .option('--dir <dir>', "a project directory: the skill goes into its skills directory (default: the current git repository's top level, else the current directory)")
    .option('--global', "the user's skills directory, for every project")
    .option('--force', 'write into a skill directory that exists and was not written by kb (its other files are kept)')
    .option('--hooks <settings-file>', 'also add the stop hook (kb skill remind) to this settings file; created if missing, nothing else in it changes')
    .action(async (opts: InstallFlags, cmd: Command) => {
      const layout = loadLayout();
      const target = resolveTarget(layout, { dir: opts.dir, global: opts.global, cwd: process.cwd(), env: process.env });
      const files = renderSkill(rootOf(cmd), layout, VERSION);
      const result = await installSkill({
        target,
        files,
        version: VERSION,
        force: opts.force,
        hooks: opts.hooks === undefined ? undefined : resolve(process.cwd(), opts.hooks),
        layout,
      });
      printJson(result);
      if (result.overwritten) {
        const by = result.previous_version ? `kb ${result.previous_version}` : 'kb';
        process.stderr.write(`kage-bunshin: overwrote the skill ${by} had written at ${result.dir}\n`);
      }
    });
  let where = { project: 'SKILLS_DIR/NAME', user: '~/SKILLS_DIR/NAME', settings: 'SETTINGS.json' };
  try {
    const l = loadLayout();
    where = { project: `${l.projectDir}/${l.name}/`, user: `~/${l.userDir}/${l.name}/`, settings: l.stopHook.settingsExample };
  } catch {
    // the layout's own error is reported when the command runs
  }
  return withExamples(
    command,
    `kb skill install                    # into this repository: ${where.project}`,
    `kb skill install --global           # ${where.user}, for every project`,
    'kb skill install --dir ../app',
    `kb skill install --hooks ${where.settings}   # and the stop hook, in a settings file you name`,
  );
}

function remindCommand(): Command {
  const command = new Command('remind')
    .description(
      "the stop hook's command: reads the hook event on stdin and, when sessions kb spawned are still alive in this project (any --session-id), prints the object that asks the session to stop them or say why they stay; prints nothing otherwise; always exits 0",
    )
    .action(async (_opts: unknown, cmd: Command) => {
      try {
        const hook = loadLayout().stopHook;
        const event = await readEvent();
        if (quietEvent(event, hook)) return;
        const g = globals(cmd);
        const field = (event as Record<string, unknown> | null)?.[hook.cwdField];
        const cwd = typeof field === 'string' && existsSync(field) ? field : process.cwd();
        const { groups, insideFleet } = await liveSessions({
          stateDir: resolveStateDir({ stateDir: g.stateDir, cwd, env: process.env }),
          socket: g.socket,
          cwd,
          env: process.env,
          stack: () => stackFor(cmd),
        });
        if (insideFleet) return;
        const out = hookOutput(hook, groups);
        if (out) printJson(out);
      } catch (error) {
        // A hook that fails would get in the way of the turn it runs after: report, exit 0.
        process.stderr.write(`${describeError(error).lines.join('\n')}\n`);
      }
    });
  return withExamples(command, "echo '{}' | kb skill remind", 'kb --state-dir /path/to/state skill remind < event.json');
}

/** The hook event: one JSON object on stdin (none from a terminal; anything unparsable is no event). */
async function readEvent(): Promise<unknown> {
  if (process.stdin.isTTY) return null;
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolveRead) => {
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.on('end', () => resolveRead());
    process.stdin.on('error', () => resolveRead());
  });
  const timer = new Promise<void>((r) => setTimeout(r, 2_000).unref());
  await Promise.race([done, timer]);
  process.stdin.pause();
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return null;
  }
}

export function skillCommand(): Command {
  return new Command('skill')
    .description('the skill that puts kb in an orchestrating session: install it; the stop hook it offers')
    .addCommand(installCommand())
    .addCommand(remindCommand());
}
