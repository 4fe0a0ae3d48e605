import { resolve } from 'node:path';
import { Command } from 'commander';
import safeRegex from 'safe-regex2';
import { ExitCode } from '../errors.js';
import { coverage, findFixtures, runFixture } from '../rules/fixtures.js';
import { formatProblem, layerRules, loadLayers, type RuleProblem } from '../rules/load.js';
import { regexesOf, type CompiledRule } from '../rules/compile.js';
import { builtinFixturesDir } from '../rules/paths.js';
import { collect, withExamples } from './common.js';

function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** Regexes that can backtrack catastrophically (nested quantifiers and the like). */
export function unsafeRegexProblems(layerRulesList: readonly CompiledRule[]): RuleProblem[] {
  const problems: RuleProblem[] = [];
  for (const rule of layerRulesList) {
    for (const { source } of regexesOf(rule.source)) {
      if (!safeRegex(source)) {
        problems.push({
          file: rule.file,
          line: rule.line,
          message: `regex /${source}/ in rule '${rule.id}' can backtrack catastrophically (nested or overlapping quantifiers)`,
          hint: 'remove the nested quantifier, e.g. (a+)+ -> a+, or anchor the pattern',
        });
      }
    }
  }
  return problems;
}

/** Each problem on stderr as `file:line: message` with its `fix:` line. */
function reportProblems(problems: readonly RuleProblem[]): void {
  for (const problem of problems) process.stderr.write(`${formatProblem(problem)}\n  fix: ${problem.hint}\n`);
}

function checkCommand(): Command {
  const command = new Command('check')
    .description('validate rule files: YAML, schema, regexes (including catastrophic backtracking), duplicate ids')
    .argument('[dirs...]', 'rule directories to check on top of the built-in rules')
    .action((dirs: string[]) => {
      const layers = loadLayers(dirs);
      const problems = layers.flatMap((layer) => [...layer.problems, ...unsafeRegexProblems(layer.rules)]);
      reportProblems(problems);
      const files = layers.reduce((n, l) => n + l.files.length, 0);
      const rules = layers.reduce((n, l) => n + l.rules.length, 0);
      if (problems.length) {
        process.stderr.write(`${problems.length} problem${problems.length === 1 ? '' : 's'} in ${files} rule files\n`);
        process.exitCode = ExitCode.failure;
        return;
      }
      out(`ok: ${rules} rules in ${files} files (${layers.map((l) => l.dir).join(', ')})`);
    });
  return withExamples(command, 'kb rules check', 'kb rules check ./my-rules');
}

interface TestOptions {
  fixtures: string[];
  verbose?: boolean;
}

function testCommand(): Command {
  const command = new Command('test')
    .description('run every recorded fixture through the rules and report each mismatch')
    .argument('[dirs...]', 'rule directories layered on the built-in rules; .pane fixtures inside them run too')
    .option('--fixtures <dir>', 'another directory of fixtures to run (repeatable)', collect, [])
    .option('--verbose', 'list every fixture, not only failures')
    .action((dirs: string[], options: TestOptions) => {
      const layers = loadLayers(dirs);
      const loadProblems = layers.flatMap((l) => l.problems);
      if (loadProblems.length) {
        reportProblems(loadProblems);
        process.stderr.write('rules do not load; fix them first (kb rules check)\n');
        process.exitCode = ExitCode.failure;
        return;
      }
      const rules = layerRules(layers);
      const fixtureDirs = [builtinFixturesDir(), ...dirs, ...options.fixtures].map((d) => resolve(d));
      const { fixtures, problems } = findFixtures([...new Set(fixtureDirs)]);
      let passed = 0;
      let failed = 0;
      let gaps = 0;
      for (const problem of problems) {
        failed++;
        out(`FAIL ${problem.file}: ${problem.message}`);
      }
      for (const fixture of fixtures) {
        const outcome = runFixture(fixture, rules);
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
        }
      }
      const cov = coverage(rules, fixtures);
      if (cov.missingPositive.length) out(`rules with no fixture: ${cov.missingPositive.join(', ')}`);
      if (cov.missingNearMiss.length) out(`rules with no near-miss fixture: ${cov.missingNearMiss.join(', ')}`);
      out(`${passed} passed, ${failed} failed${gaps ? `, ${gaps} known gaps` : ''}`);
      if (failed) process.exitCode = ExitCode.failure;
    });
  return withExamples(command, 'kb rules test', 'kb rules test ./my-rules', 'kb rules test --fixtures ./recorded --verbose');
}

export function rulesCommand(): Command {
  return new Command('rules')
    .description('rule authoring kit: check rule files, run recorded fixtures')
    .addCommand(checkCommand())
    .addCommand(testCommand());
}
