import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import safeRegex from 'safe-regex2';
import { checkStack, type CheckedStack } from '../agents/stack.js';
import { explain, formatExplanation } from '../classify/explain.js';
import { ExitCode, UsageError } from '../errors.js';
import { coverage, findFixtures, runFixture, type Fixture } from '../kit/fixtures.js';
import { conditionRegexes, regexesOf, regionBodyRegexes } from '../rules/compile.js';
import { formatProblem, type RuleProblem } from '../rules/load.js';
import { builtinFixturesDir } from '../rules/paths.js';
import { collect, globals, printJson, stackFor, withExamples } from './common.js';
import { readInput, paneFacts, type FactFlags } from './classify.js';

function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** Regexes that can backtrack catastrophically (nested quantifiers and the like), anywhere in the stack. */
export function unsafeRegexProblems(stack: CheckedStack): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const check = (source: string, file: string, line: number | undefined, what: string): void => {
    if (safeRegex(source)) return;
    problems.push({
      file,
      line,
      message: `regex /${source}/ in ${what} can backtrack catastrophically (nested or overlapping quantifiers)`,
      hint: 'remove the nested quantifier, e.g. (a+)+ -> a+, or anchor the pattern',
    });
  };
  for (const layer of stack.layers) {
    for (const r of layer.rules) for (const { path, source } of regexesOf(r.rule)) check(source, r.file, r.lineAt(path) ?? r.line, `rule '${r.rule.id}'`);
    for (const c of layer.conditions) for (const { source } of conditionRegexes(c.body, [])) check(source, c.file, c.line, `condition '${c.name}'`);
    for (const g of layer.regions) for (const { source } of regionBodyRegexes(g.body, [])) check(source, g.file, g.line, `region '${g.name}'`);
  }
  return problems;
}

/** Each problem on stderr as `file:line: message` with its `fix:` line. */
function reportProblems(problems: readonly RuleProblem[]): void {
  for (const problem of problems) process.stderr.write(`${formatProblem(problem)}\n  fix: ${problem.hint}\n`);
}

function checkCommand(): Command {
  const command = new Command('check')
    .description('validate pack files: YAML, schema, regexes (including catastrophic backtracking), duplicate ids, named conditions and regions, agent profiles')
    .argument('[dirs...]', 'rule directories to check on top of the built-in rules (and --rules / KB_RULES)')
    .action((dirs: string[], _opts: unknown, cmd: Command) => {
      const stack = checkStack([...globals(cmd).rules, ...dirs]);
      const problems = [...stack.problems, ...unsafeRegexProblems(stack)];
      reportProblems(problems);
      const files = stack.layers.reduce((n, l) => n + l.files.length, 0);
      if (problems.length) {
        process.stderr.write(`${problems.length} problem${problems.length === 1 ? '' : 's'} in ${files} rule files\n`);
        process.exitCode = ExitCode.failure;
        return;
      }
      out(`ok: ${stack.rules.rules.length} rules and ${stack.agents.all().length} agent profiles in ${files} files (${stack.layers.map((l) => l.dir).join(', ')})`);
    });
  return withExamples(command, 'kb rules check', 'kb rules check ./my-rules');
}

interface TestOptions {
  fixtures: string[];
  verbose?: boolean;
  rule?: string;
}

function testCommand(): Command {
  const command = new Command('test')
    .description('run recorded fixtures through the rules and report each mismatch')
    .argument('[dirs...]', 'rule directories layered on the built-in rules; .pane fixtures inside them run too')
    .option('--fixtures <dir>', 'another directory of fixtures to run (repeatable)', collect, [])
    .option('--rule <id>', 'only the fixtures that expect this rule (or list it as a near miss)')
    .option('--verbose', 'list every fixture, not only failures')
    .action((dirs: string[], options: TestOptions, cmd: Command) => {
      const ruleDirs = [...globals(cmd).rules, ...dirs];
      const stack = checkStack(ruleDirs);
      if (stack.problems.length) {
        reportProblems(stack.problems);
        process.stderr.write('rules do not load; fix them first (kb rules check)\n');
        process.exitCode = ExitCode.failure;
        return;
      }
      const rules = stack.rules;
      const builtin = builtinFixturesDir();
      const shipped = existsSync(builtin);
      const fixtureDirs = [...(shipped ? [builtin] : []), ...dirs, ...options.fixtures].map((d) => resolve(d));
      if (!shipped) {
        out(`no fixtures ship with this package (${builtin} is absent: they live in the source repository); testing ${fixtureDirs.length ? `the fixtures in ${fixtureDirs.join(', ')}` : 'no directories: pass yours as arguments or with --fixtures DIR'}`);
      }
      if (options.rule !== undefined && !rules.rules.some((r) => r.id === options.rule)) {
        throw new UsageError(`no rule with id ${JSON.stringify(options.rule)}`, 'check the id (kb rules explain FILE shows the rules tried)');
      }
      const found = findFixtures([...new Set(fixtureDirs)]);
      const wanted = (f: Fixture): boolean =>
        options.rule === undefined || f.expectation.rule === options.rule || (f.expectation.near_miss ?? []).includes(options.rule);
      const fixtures = found.fixtures.filter(wanted);
      let passed = 0;
      let failed = 0;
      let gaps = 0;
      for (const problem of found.problems) {
        failed++;
        out(`FAIL ${problem.file}: ${problem.message}`);
      }
      for (const fixture of fixtures) {
        const outcome = runFixture(fixture, rules);
        if (!stack.agents.find(fixture.expectation.agent)) {
          outcome.failures.push(`agent '${fixture.expectation.agent}' has no profile (known: ${stack.agents.names().join(', ')})`);
        }
        if (outcome.failures.length === 0) {
          passed++;
          if (options.verbose) out(`ok   ${fixture.pane}: ${outcome.actual.state} (${outcome.actual.rule})`);
        } else if (outcome.knownGap) {
          gaps++;
          out(`gap  ${fixture.pane}: ${outcome.failures.join('; ')} [known gap: ${fixture.expectation.known_gap}]`);
        } else {
          failed++;
          out(`FAIL ${fixture.pane}: ${outcome.failures.join('; ')}`);
          if (outcome.actual.evidence.length) out(`     evidence: ${outcome.actual.evidence.map((l) => JSON.stringify(l)).join(' ')}`);
          out(`     why: kb rules explain ${fixture.pane} --agent ${fixture.expectation.agent}`);
        }
      }
      if (options.rule === undefined && fixtures.length) {
        const cov = coverage(rules, fixtures);
        if (cov.missingPositive.length) out(`rules with no fixture: ${cov.missingPositive.join(', ')}`);
        if (cov.missingNearMiss.length) out(`rules with no near-miss fixture: ${cov.missingNearMiss.join(', ')}`);
      }
      out(`${passed} passed, ${failed} failed${gaps ? `, ${gaps} known gaps` : ''}`);
      if (failed) process.exitCode = ExitCode.failure;
    });
  return withExamples(
    command,
    'kb rules test',
    'kb rules test ./my-rules',
    'kb rules test --rule PACK/RULE --verbose',
    'kb rules test --fixtures ./recorded --verbose',
  );
}

interface ExplainOptions extends FactFlags {
  json?: boolean;
  all?: boolean;
}

function explainCommand(): Command {
  const command = new Command('explain')
    .description('why a screen gets its state: each rule tried in priority order, the region it read, the condition that matched or failed')
    .argument('<file>', 'a pane capture (raw capture-pane output, ANSI allowed), or - for standard input')
    .option('--agent <name>', 'the agent that drew the screen (selects its rules; default: every rule)')
    .option('--command <name>', "the pane's current command, as tmux reports it")
    .option('--dead', 'the pane is dead (its program exited)')
    .option('--all', 'also try the rules below the one that decided')
    .option('--json', 'one JSON object instead of text')
    .action((file: string, options: ExplainOptions, cmd: Command) => {
      const stack = stackFor(cmd);
      const facts = paneFacts(stack, options);
      const raw = readInput(file);
      const e = explain(raw, stack.rules, facts, { all: options.all === true });
      if (options.json) {
        printJson({
          file,
          agent: facts.agent ?? null,
          state: e.classification.state,
          rule: e.classification.rule,
          answer: e.classification.answer,
          lines: e.lines.length,
          tried: e.tried,
          not_reached: e.notReached,
          skipped: e.skipped,
        });
        return;
      }
      process.stdout.write(formatExplanation(e, file));
    });
  return withExamples(
    command,
    'kb rules explain screen.pane --agent AGENT',
    'tmux capture-pane -p -e -t %3 | kb rules explain - --agent AGENT --json | jq .tried[0]',
  );
}

export function rulesCommand(): Command {
  return new Command('rules')
    .description('rule authoring kit: check pack files, run recorded fixtures, explain a classification')
    .addCommand(checkCommand())
    .addCommand(testCommand())
    .addCommand(explainCommand());
}
