/**
 * Records real agent screens as classifier fixtures.
 *
 *   npx tsx recorder/record.ts claude [--only PATTERN] [--version 2.1.330] [--size 120x40]
 *                                      [--out DIR] [--debug] [--dry-run] [--list]
 *
 * One private tmux server per run (`tmux -L kb-rec-<pid>-<rand>`), killed at the end, on error
 * and on SIGINT/SIGTERM. Scenarios run one at a time (one agent process at a time).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClaudeVersion } from '../test/support/claude-home.js';
import { runClaudeScenario, ScenarioError, type ClaudeScenario } from './lib/claude-harness.js';
import { PrivateTmux } from './lib/tmux.js';
import { RECORDERS } from './scenarios/run-others.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLAUDE_VERSIONS: ClaudeVersion[] = ['2.1.197', '2.1.330', '2.1.332'];
const DEFAULT_SIZES = ['120x40', '80x24'];

interface Args {
  agent: string;
  only?: RegExp;
  versions?: string[];
  sizes?: string[];
  out?: string;
  debug: boolean;
  dryRun: boolean;
  list: boolean;
}

function usage(msg?: string): never {
  if (msg) process.stderr.write(`record: ${msg}\n`);
  process.stderr.write(
    'usage: npm run record -- claude [--only PATTERN] [--version V]... [--size WxH]... [--out DIR] [--debug] [--dry-run] [--list]\n',
  );
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const args: Args = { agent: '', debug: false, dryRun: false, list: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    if (a === '--only') args.only = new RegExp(value());
    else if (a === '--version') (args.versions ??= []).push(value());
    else if (a === '--size') {
      const v = value();
      if (!/^\d+x\d+$/.test(v)) usage(`--size must be WxH, got ${v}`);
      (args.sizes ??= []).push(v);
    } else if (a === '--out') args.out = path.resolve(value());
    else if (a === '--debug') args.debug = true;
    else if (a === '--dry-run') args.dryRun = true;
    else if (a === '--list') args.list = true;
    else if (a === '--help' || a === '-h') usage();
    else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else if (!args.agent) args.agent = a;
    else usage(`unexpected argument ${a}`);
  }
  if (!args.agent) usage('name the agent to record (claude)');
  return args;
}

async function recordClaude(args: Args): Promise<number> {
  const { scenarios } = (await import('./scenarios/claude.js')) as { scenarios: ClaudeScenario[] };
  const versions = (args.versions ?? CLAUDE_VERSIONS) as ClaudeVersion[];
  for (const v of versions) if (!CLAUDE_VERSIONS.includes(v)) usage(`unknown claude version ${v} (pinned: ${CLAUDE_VERSIONS.join(', ')})`);
  const selected = scenarios.filter((s) => !args.only || args.only.test(s.name));
  const jobs: { sc: ClaudeScenario; version: ClaudeVersion; size: string }[] = [];
  for (const sc of selected)
    for (const version of versions) {
      if (sc.versions && !sc.versions.includes(version)) continue;
      for (const size of args.sizes ?? sc.sizes ?? DEFAULT_SIZES) jobs.push({ sc, version, size });
    }
  if (args.list) {
    for (const j of jobs) process.stdout.write(`${j.sc.name}\t${j.version}\t${j.size}\t${j.sc.description}\n`);
    return 0;
  }
  if (jobs.length === 0) usage('no scenario matches');
  const outDir = args.out ?? path.join(repoRoot, 'fixtures', 'claude');
  const tmux = new PrivateTmux('kb-rec');
  const cleanup = async () => {
    await tmux.kill();
  };
  // On a signal: kill the server (the running scenario then fails at its next tmux call and
  // its finally block removes its HOME and repo), skip the remaining jobs, exit 130/143.
  let aborted: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    aborted = sig;
    void cleanup();
    setTimeout(() => process.exit(sig === 'SIGINT' ? 130 : 143), 15_000).unref();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const saved: string[] = [];
  const failed: string[] = [];
  try {
    for (const [i, j] of jobs.entries()) {
      if (aborted) break;
      const label = `${j.sc.name} ${j.version} ${j.size}`;
      process.stderr.write(`[${i + 1}/${jobs.length}] ${label}\n`);
      const t0 = Date.now();
      try {
        await runClaudeScenario(j.sc, { tmux, version: j.version, size: j.size, outDir, debug: args.debug, dryRun: args.dryRun, saved });
        process.stderr.write(`    ok (${((Date.now() - t0) / 1000).toFixed(1)}s)\n`);
      } catch (error) {
        failed.push(label);
        process.stderr.write(`    FAILED: ${(error as Error).message}\n`);
        if (error instanceof ScenarioError) process.stderr.write(`---- last screen\n${error.screen}----\n`);
        else if (args.debug) process.stderr.write(`${(error as Error).stack}\n`);
      }
    }
  } finally {
    await cleanup();
  }
  process.stderr.write(`\nsaved ${saved.length} fixture(s)${args.dryRun ? ' (dry run, nothing written)' : ` in ${path.relative(process.cwd(), outDir) || '.'}`}\n`);
  if (failed.length > 0) process.stderr.write(`failed ${failed.length}: ${failed.join('; ')}\n`);
  if (aborted) return aborted === 'SIGINT' ? 130 : 143;
  return failed.length > 0 ? 1 : 0;
}

const argv = process.argv.slice(2);
const OTHERS = Object.keys(RECORDERS);
if (argv[0] && OTHERS.includes(argv[0])) {
  // Codex, Gemini CLI and shell screens have their own recorder (recorder/scenarios/run-others.ts);
  // hand the whole command line over to it, under the same tsx loader.
  const script = path.join(repoRoot, 'recorder', 'scenarios', 'run-others.ts');
  const child = spawnSync(process.execPath, [...process.execArgv, script, ...argv], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}
const args = parseArgs(argv);
if (args.agent !== 'claude') {
  process.stderr.write(`record: unknown agent "${args.agent}" (claude, ${OTHERS.join(', ')})\n`);
  process.exit(2);
}
process.exitCode = await recordClaude(args);
