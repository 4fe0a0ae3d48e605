/**
 * Real shell programs asking real questions, recorded in bash under two prompts: a bare
 * `$ ` (PS1 from the environment, no rc files) and Debian's default ~/.bashrc prompt
 * (coloured `user@host:~/project# `). Nothing here is typed by hand into the screen: each
 * fixture shows what rm, cp, ssh-keygen, git, apt-get, npm, sleep and tmux itself print.
 */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PrivateTmux } from '../lib/tmux.js';
import { runScenarios, savePane, sizeName, sleep, versionOf, type Label, type RecordOptions, type Scenario, type Size } from './run-others.js';

type Ps1 = 'simple' | 'debian';

interface ShellCtx {
  t: PrivateTmux;
  pane: string;
  home: string;
  project: string;
  env: Record<string, string>;
  size: Size;
  ps1: Ps1;
  opts: RecordOptions;
}

const lastLine = (screen: string) =>
  screen
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.length > 0)
    .at(-1) ?? '';

/** The shell is waiting at its prompt (`$` or `#`, the last thing on screen). */
const atPrompt = (screen: string) => /[$#]$/.test(lastLine(screen));

async function startShell(t: PrivateTmux, size: Size, ps1: Ps1, opts: RecordOptions): Promise<ShellCtx & { cleanup(): Promise<void> }> {
  const home = await mkdtemp(join(tmpdir(), 'kb-rec-shell-home-'));
  const project = join(home, 'project');
  await mkdir(project);
  await writeFile(join(home, '.gitconfig'), '[user]\n\tname = Demo User\n\temail = demo@example.invalid\n[init]\n\tdefaultBranch = main\n');
  const env: Record<string, string> = {
    HOME: home,
    SHELL: '/bin/bash',
    USER: process.env.USER ?? 'root',
    LANG: 'C.UTF-8',
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    // npm would otherwise ask the registry for a newer npm and print a notice: not deterministic.
    npm_config_update_notifier: 'false',
  };
  let argv: string[];
  if (ps1 === 'debian') {
    await copyFile('/etc/skel/.bashrc', join(home, '.bashrc'));
    await copyFile('/etc/skel/.profile', join(home, '.profile'));
    argv = ['bash'];
  } else {
    env.PS1 = '$ ';
    argv = ['bash', '--noprofile', '--norc'];
  }
  const pane = await t.newSession({ width: size.w, height: size.h, cwd: project, env, argv });
  await t.waitFor(pane, atPrompt, 'the shell prompt', 10_000);
  await t.settle(pane, 300);
  return {
    t, pane, home, project, env, size, ps1, opts,
    cleanup: async () => {
      await t.killPaneTree(pane);
      await rm(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}

/** Types a command line at the prompt and presses Enter. */
async function run(c: ShellCtx, line: string): Promise<void> {
  await c.t.type(c.pane, line);
  // Long lines wrap: compare with the screen's rows joined.
  await c.t.waitFor(c.pane, (s) => lastLine(s).endsWith(line), `command line "${line}"`, 5_000, true);
  await c.t.keys(c.pane, 'Enter');
}

/** Runs a setup command line and waits for the prompt again, then clears the screen. */
async function prep(c: ShellCtx, line: string, clear = true): Promise<void> {
  const full = clear ? `${line}; clear` : line;
  await run(c, full);
  await c.t.waitFor(
    c.pane,
    (s) => atPrompt(s) && !lastLine(s).endsWith(full) && (!clear || !s.includes(line.slice(0, 20))),
    `prompt after "${line}"`,
    15_000,
    true,
  );
}

const versions = new Map<string, string>();
function version(program: string, argv: string[]): string {
  if (!versions.has(program)) versions.set(program, versionOf(argv));
  return versions.get(program) ?? 'unknown';
}
const bashVersion = () => version('bash', ['bash', '--version']);

async function record(
  c: ShellCtx,
  base: string,
  label: Label & { program: string; version: string },
): Promise<string> {
  await c.t.settle(c.pane, 400, 5_000);
  return savePane(c.t, c.pane, c.opts, `${base}-${c.ps1}-${sizeName(c.size)}`, {
    agent: 'shell',
    program: label.program,
    version: label.version,
    size: sizeName(c.size),
    scenario: `${base} (bash, ${c.ps1} PS1)`,
    state: label.state,
    rule: label.rule,
    near_miss: label.near_miss,
  });
}

/** Bash is back at its prompt (idle, `generic/prompt`) whatever the screen above it says. */
function recordPrompt(c: ShellCtx, base: string, near_miss?: string[]): Promise<string> {
  return record(c, base, { program: 'bash', version: bashVersion(), state: 'idle', rule: 'generic/prompt', near_miss });
}

function shellScenario(name: string, ps1: Ps1, body: (c: ShellCtx) => Promise<string[]>): Scenario {
  return {
    name: `${name}-${ps1}`,
    async run(t, size, opts) {
      const c = await startShell(t, size, ps1, opts);
      try {
        return await body(c);
      } finally {
        await c.cleanup();
      }
    },
  };
}

const coreutils = () => version('coreutils', ['rm', '--version']);

function scenarios(ps1: Ps1): Scenario[] {
  return [
    shellScenario('prompt', ps1, async (c) => [
      await recordPrompt(c, 'prompt'),
    ]),

    shellScenario('rm-i', ps1, async (c) => {
      await prep(c, 'touch notes.txt');
      await run(c, 'rm -i notes.txt');
      await c.t.waitFor(c.pane, /remove regular empty file 'notes\.txt'\?/, 'rm -i question');
      const out = [
        await record(c, 'rm-i', {
          program: 'rm',
          version: coreutils(),
          state: 'question',
          rule: 'generic/question-prompt',
          near_miss: ['generic/prompt', 'generic/yes-no'],
        }),
      ];
      // Answered "n": the question stays in the scrollback above a fresh prompt.
      await c.t.type(c.pane, 'n');
      await c.t.keys(c.pane, 'Enter');
      await c.t.waitFor(c.pane, atPrompt, 'prompt after answering rm -i');
      out.push(await recordPrompt(c, 'after-rm-i-answered', ['generic/question-prompt']));
      return out;
    }),

    shellScenario('cp-i', ps1, async (c) => {
      await prep(c, 'printf "draft\\n" > draft.txt && printf "final\\n" > final.txt');
      await run(c, 'cp -i draft.txt final.txt');
      await c.t.waitFor(c.pane, /overwrite 'final\.txt'\?/, 'cp -i question');
      return [
        await record(c, 'cp-i', {
          program: 'cp',
          version: coreutils(),
          state: 'question',
          rule: 'generic/question-prompt',
          near_miss: ['generic/prompt', 'generic/yes-no'],
        }),
      ];
    }),

    shellScenario('ssh-keygen', ps1, async (c) => {
      const sshv = version('ssh-keygen', ['ssh', '-V']);
      await prep(c, "mkdir -p ~/.ssh && ssh-keygen -q -t ed25519 -N '' -f ~/.ssh/id_ed25519");
      await run(c, 'ssh-keygen -t ed25519 -f ~/.ssh/id_ed25519');
      await c.t.waitFor(c.pane, /Overwrite \(y\/n\)\?/, 'ssh-keygen overwrite question');
      const out = [
        await record(c, 'ssh-keygen-overwrite', {
          program: 'ssh-keygen',
          version: sshv,
          state: 'yes_no_prompt',
          rule: 'generic/yes-no',
          near_miss: ['generic/prompt', 'generic/question-prompt'],
        }),
      ];
      await c.t.type(c.pane, 'n');
      await c.t.keys(c.pane, 'Enter');
      await c.t.waitFor(c.pane, atPrompt, 'prompt after answering ssh-keygen');
      out.push(await recordPrompt(c, 'after-ssh-keygen-answered', ['generic/yes-no']));
      await prep(c, 'clear', false);
      await run(c, 'ssh-keygen -t ed25519 -f ./deploy_key');
      await c.t.waitFor(c.pane, /Enter passphrase \(empty for no passphrase\):/, 'ssh-keygen passphrase prompt');
      out.push(
        await record(c, 'ssh-keygen-passphrase', {
          program: 'ssh-keygen',
          version: sshv,
          state: 'question',
          rule: 'generic/password-prompt',
          near_miss: ['generic/field-prompt', 'generic/prompt'],
        }),
      );
      // Empty passphrase twice: the key is written and the passphrase lines stay above the prompt.
      await c.t.keys(c.pane, 'Enter');
      await c.t.waitFor(c.pane, /Enter same passphrase again:/, 'passphrase confirmation');
      await c.t.keys(c.pane, 'Enter');
      await c.t.waitFor(c.pane, (s) => /randomart image/.test(s) && atPrompt(s), 'key written and prompt');
      out.push(await recordPrompt(c, 'after-ssh-keygen-created', ['generic/password-prompt']));
      return out;
    }),

    shellScenario('git-add-p', ps1, async (c) => {
      await prep(
        c,
        'git init -q && printf "alpha\\nbeta\\ngamma\\n" > list.txt && git add list.txt && git commit -qm init && printf "alpha\\nBETA\\ngamma\\n" > list.txt',
      );
      await run(c, 'git add -p');
      await c.t.waitFor(c.pane, /\(1\/1\) Stage this hunk \[[^\]]+\]\?/, 'git add -p question');
      return [
        await record(c, 'git-add-p', {
          program: 'git',
          version: version('git', ['git', '--version']),
          state: 'question',
          rule: 'generic/question-prompt',
          near_miss: ['generic/prompt', 'generic/yes-no'],
        }),
      ];
    }),

    shellScenario('apt-get-remove', ps1, async (c) => {
      // Safety net: with Debug::pkgDPkgPM apt only prints the dpkg calls, so even a stray
      // "y" removes nothing. The option sits in APT_CONFIG so the command line stays plain.
      // An empty sources.list.d keeps this machine's odd source files out of the screen.
      const conf = join(c.home, 'apt.conf');
      await mkdir(join(c.home, 'sources.list.d'));
      await writeFile(conf, `Debug::pkgDPkgPM "true";\nDir::Etc::SourceParts "${join(c.home, 'sources.list.d')}";\n`);
      await prep(c, `export APT_CONFIG=${conf}`);
      await run(c, 'apt-get remove file');
      await c.t.waitFor(c.pane, /Do you want to continue\? \[Y\/n\]/, 'apt-get confirmation', 60_000);
      const name = await record(c, 'apt-get-remove', {
        program: 'apt-get',
        version: version('apt', ['apt-get', '--version']),
        state: 'yes_no_prompt',
        rule: 'generic/yes-no',
        near_miss: ['generic/prompt', 'generic/question-prompt'],
      });
      await c.t.type(c.pane, 'n');
      await c.t.keys(c.pane, 'Enter');
      await c.t.waitFor(c.pane, /Abort\./, 'apt-get abort');
      return [name];
    }),

    shellScenario('npm-init', ps1, async (c) => {
      const npmv = version('npm', ['npm', '--version']);
      await run(c, 'npm init');
      await c.t.waitFor(c.pane, /package name: \(project\)/, 'npm init first field', 30_000);
      const out = [
        await record(c, 'npm-init-field', {
          program: 'npm',
          version: npmv,
          state: 'question',
          rule: 'generic/field-prompt',
          near_miss: ['generic/prompt', 'generic/yes-no'],
        }),
      ];
      for (let i = 0; i < 15; i++) {
        const s = await c.t.capture(c.pane);
        if (/Is this OK\? \(yes\)/.test(s)) break;
        const before = s;
        await c.t.keys(c.pane, 'Enter');
        await c.t.waitFor(c.pane, (x) => x !== before, 'next npm init field', 10_000);
        await c.t.settle(c.pane, 300);
      }
      await c.t.waitFor(c.pane, /Is this OK\? \(yes\)/, 'npm init confirmation');
      out.push(
        await record(c, 'npm-init-confirm', {
          program: 'npm',
          version: npmv,
          state: 'yes_no_prompt',
          rule: 'generic/yes-no',
          near_miss: ['generic/field-prompt'],
        }),
      );
      // Accepted: package.json is written and the shell prompt returns under the fields.
      await c.t.keys(c.pane, 'Enter');
      await c.t.waitFor(c.pane, (s) => atPrompt(s) && !/Is this OK\? \(yes\)\s*$/.test(s.trimEnd()), 'prompt after npm init');
      out.push(await recordPrompt(c, 'after-npm-init', ['generic/field-prompt', 'generic/yes-no']));
      return out;
    }),

    shellScenario('sleep', ps1, async (c) => {
      await run(c, 'sleep 100');
      await c.t.waitFor(c.pane, async () => (await c.t.facts(c.pane)).command === 'sleep', 'sleep running', 5_000);
      const name = await record(c, 'sleep-busy', {
        program: 'sleep',
        version: coreutils(),
        state: 'working',
        rule: 'shell/busy',
        near_miss: ['generic/prompt'],
      });
      await c.t.keys(c.pane, 'C-c');
      return [name];
    }),

    // Typed but not submitted: the command line is on screen, the shell still waits.
    shellScenario('typed-not-run', ps1, async (c) => {
      await c.t.type(c.pane, 'sleep 100');
      await c.t.waitFor(c.pane, (s) => lastLine(s).endsWith('sleep 100'), 'typed command');
      return [await recordPrompt(c, 'typed-not-run', ['shell/busy'])];
    }),

    // A nested shell exits: "exit" is printed as for a dead pane, but the outer shell lives.
    shellScenario('nested-exit', ps1, async (c) => {
      await run(c, 'bash');
      await c.t.waitFor(
        c.pane,
        async () => (await c.t.facts(c.pane)).command === 'bash' && atPrompt(await c.t.capture(c.pane)),
        'nested shell',
      );
      await sleep(300);
      await run(c, 'exit');
      await c.t.waitFor(c.pane, (s) => /^exit$/m.test(s) && atPrompt(s), 'outer prompt');
      return [await recordPrompt(c, 'nested-exit', ['generic/pane-dead'])];
    }),

    shellScenario('exit', ps1, async (c) => {
      await prep(c, 'ls -la', false);
      await run(c, 'exit');
      await c.t.waitFor(c.pane, async () => (await c.t.facts(c.pane)).dead, 'dead pane', 5_000);
      return [
        await record(c, 'pane-dead', {
          program: 'bash',
          version: bashVersion(),
          state: 'exited',
          rule: 'generic/pane-dead',
        }),
      ];
    }),

    shellScenario('yes-no-in-output', ps1, async (c) => {
      // A script's source on screen mentions "(y/n)?", but the shell is back at its prompt.
      await writeFile(
        join(c.project, 'install.sh'),
        [
          '#!/bin/sh',
          'set -e',
          'if [ -f config.ini ]; then',
          '  printf "config.ini exists. Overwrite (y/n)? "',
          '  read -r answer',
          '  [ "$answer" = y ] || exit 1',
          'fi',
          'cp config.example.ini config.ini',
          '',
        ].join('\n'),
      );
      await run(c, 'cat install.sh');
      await c.t.waitFor(c.pane, (s) => s.includes('cp config.example.ini') && atPrompt(s), 'cat output and prompt');
      return [await recordPrompt(c, 'yes-no-in-output', ['generic/yes-no'])];
    }),

    shellScenario('question-in-output', ps1, async (c) => {
      // Commit subjects ending in "?" above the prompt.
      await prep(
        c,
        'git init -q && git commit -q --allow-empty -m "Add parser" && git commit -q --allow-empty -m "Should we drop Node 18 support?"',
      );
      await run(c, 'git log --oneline');
      await c.t.waitFor(c.pane, (s) => s.includes('Node 18 support?') && atPrompt(s), 'git log and prompt');
      return [await recordPrompt(c, 'question-in-output', ['generic/question-prompt'])];
    }),
  ];
}

/** Debian's prompt at 120x40, the bare `$ ` prompt at 80x24 (both prompts at each --size given). */
export async function recordShell(opts: RecordOptions = {}): Promise<{ recorded: string[]; failed: string[] }> {
  const combos: Array<{ size: Size; ps1: Ps1 }> = opts.sizes
    ? opts.sizes.flatMap((size) => [
        { size, ps1: 'debian' as const },
        { size, ps1: 'simple' as const },
      ])
    : [
        { size: { w: 120, h: 40 }, ps1: 'debian' },
        { size: { w: 80, h: 24 }, ps1: 'simple' },
      ];
  const recorded: string[] = [];
  const failed: string[] = [];
  for (const { size, ps1 } of combos) {
    const r = await runScenarios(scenarios(ps1), { ...opts, sizes: [size] }, [size]);
    recorded.push(...r.recorded);
    failed.push(...r.failed);
  }
  return { recorded, failed };
}
