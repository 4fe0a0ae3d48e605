/**
 * Finds, parses, validates and compiles rule files. Every problem names the file and the
 * line and says how to fix it. Built-in packs (rules/) load first; each --rules DIR is
 * layered on top, a rule with an existing id replacing the earlier one.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, relative, resolve } from 'node:path';
import { LineCounter, parseDocument, isMap, isSeq, type Document, type Node } from 'yaml';
import { RuleLoadError, UsageError } from '../errors.js';
import { compileRule, regexesOf, type CompiledRule } from './compile.js';
import { builtinRulesDir } from './paths.js';
import { RuleFile, type Rule } from './schema.js';
import { validateAgainst } from './validate.js';

export interface RuleProblem {
  file: string;
  line: number | undefined;
  message: string;
  hint: string;
}

export interface RuleSet {
  /** Sorted: priority descending, then id ascending. The classifier takes the first match. */
  readonly rules: readonly CompiledRule[];
  readonly files: readonly string[];
}

const YAML_EXT = new Set(['.yaml', '.yml']);

/**
 * Rule files under a directory, recursively, in a stable order. A YAML file with a
 * `.pane` file of the same name beside it is a fixture expectation, not a rule file.
 */
export function findRuleFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    const entries = readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) walk(full);
      } else if (YAML_EXT.has(extname(entry.name))) {
        const stem = full.slice(0, -extname(entry.name).length);
        if (!existsSync(`${stem}.pane`)) out.push(full);
      }
    }
  };
  walk(dir);
  return out;
}

function lineOf(doc: Document, counter: LineCounter, path: (string | number)[]): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const sub = path.slice(0, depth);
    const node = (sub.length ? doc.getIn(sub, true) : doc.contents) as Node | undefined;
    // For a key we want the key's own line: look it up in the parent map.
    if (depth === path.length && depth > 0) {
      const parent = (depth > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents) as Node | undefined;
      if (parent && isMap(parent)) {
        const pair = parent.items.find((p) => (p.key as { value?: unknown } | null)?.value === path[depth - 1]);
        const keyNode = pair?.key as Node | undefined;
        if (keyNode?.range) return counter.linePos(keyNode.range[0]).line;
      }
    }
    if (node && node.range) return counter.linePos(node.range[0]).line;
  }
  return undefined;
}

function decodeText(bytes: Buffer): string | undefined {
  if (bytes.includes(0)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

export interface ParsedRuleFile {
  rules: CompiledRule[];
  problems: RuleProblem[];
}

/** Parses one rule file, collecting every problem instead of stopping at the first. */
export function parseRuleFile(file: string, bytes?: Buffer): ParsedRuleFile {
  const problems: RuleProblem[] = [];
  const fail = (line: number | undefined, message: string, hint: string): ParsedRuleFile => {
    problems.push({ file, line, message, hint });
    return { rules: [], problems };
  };
  let data: Buffer;
  try {
    data = bytes ?? readFileSync(file);
  } catch (error) {
    return fail(undefined, `cannot read rule file: ${(error as Error).message}`, 'check the path and its permissions');
  }
  const text = decodeText(data);
  if (text === undefined) {
    return fail(undefined, 'not a text file (binary or not UTF-8)', 'rule files are UTF-8 YAML; remove this file from the rules directory');
  }
  if (text.trim() === '' || /^(\s*#.*\n?)*\s*$/.test(text)) {
    return fail(1, 'the file is empty', 'add a top-level "rules:" list, or delete the file');
  }
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const first = doc.errors[0]!;
    const line = first.linePos?.[0]?.line ?? (first.pos ? counter.linePos(first.pos[0]).line : undefined);
    const message = first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    return fail(line, `invalid YAML: ${message}`, 'fix the YAML syntax (indentation, quoting; quote regexes in single quotes)');
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 }) as unknown;
  } catch (error) {
    return fail(1, `invalid YAML: ${(error as Error).message}`, 'remove YAML aliases (*name) and anchors (&name) from rule files');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !('rules' in (value as object))) {
    if (isSeq(doc.contents)) {
      return fail(1, 'the file is a bare list', 'put the rules under a top-level "rules:" key');
    }
  }
  for (const problem of validateAgainst(RuleFile, value)) {
    problems.push({ file, line: lineOf(doc, counter, problem.path), message: problem.message, hint: problem.hint });
  }
  if (problems.length) return { rules: [], problems };

  const rules: CompiledRule[] = [];
  const seen = new Map<string, number | undefined>();
  for (const [index, rule] of (value as { rules: Rule[] }).rules.entries()) {
    const ruleLine = lineOf(doc, counter, ['rules', index]);
    const previous = seen.get(rule.id);
    if (seen.has(rule.id)) {
      problems.push({
        file,
        line: lineOf(doc, counter, ['rules', index, 'id']),
        message: `duplicate rule id '${rule.id}' (first defined at line ${previous ?? '?'})`,
        hint: 'give each rule a unique id',
      });
      continue;
    }
    seen.set(rule.id, ruleLine);
    let bad = false;
    for (const { path, source } of regexesOf(rule)) {
      try {
        new RegExp(source);
      } catch (error) {
        bad = true;
        problems.push({
          file,
          line: lineOf(doc, counter, ['rules', index, ...path]),
          message: `bad regex in rule '${rule.id}': ${(error as Error).message.replace(/^Invalid regular expression: /, '')}`,
          hint: 'fix the regular expression (JavaScript syntax; escape ( ) [ ] ? * + with a backslash to match them literally)',
        });
      }
    }
    if (!bad) rules.push(compileRule(rule, file, ruleLine));
  }
  return { rules, problems };
}

export interface RuleLayer {
  dir: string;
  files: string[];
  rules: CompiledRule[];
  problems: RuleProblem[];
}

/** Loads one directory (a layer): its files, their rules, and duplicate ids across its files. */
export function loadLayer(dir: string): RuleLayer {
  const abs = resolve(dir);
  let isDir = false;
  try {
    isDir = statSync(abs).isDirectory();
  } catch {
    throw new UsageError(`rules directory not found: ${dir}`, 'pass an existing directory to --rules / rules check / rules test');
  }
  if (!isDir) throw new UsageError(`not a directory: ${dir}`, 'pass the directory that holds the rule files, not a file');
  const files = findRuleFiles(abs);
  const rules: CompiledRule[] = [];
  const problems: RuleProblem[] = [];
  const owners = new Map<string, CompiledRule>();
  for (const file of files) {
    const parsed = parseRuleFile(file);
    problems.push(...parsed.problems);
    for (const rule of parsed.rules) {
      const owner = owners.get(rule.id);
      if (owner && owner.file !== file) {
        problems.push({
          file,
          line: rule.line,
          message: `duplicate rule id '${rule.id}' (also in ${relative(process.cwd(), owner.file) || basename(owner.file)}:${owner.line ?? '?'})`,
          hint: 'rename one of them; to replace a built-in rule, put the replacement in a --rules directory',
        });
        continue;
      }
      owners.set(rule.id, rule);
      rules.push(rule);
    }
  }
  return { dir: abs, files, rules, problems };
}

export function sortRules(rules: Iterable<CompiledRule>): CompiledRule[] {
  return [...rules].sort((a, b) => b.priority - a.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Layers rules: later layers replace earlier rules with the same id. */
export function layerRules(layers: readonly RuleLayer[]): RuleSet {
  const byId = new Map<string, CompiledRule>();
  const files: string[] = [];
  for (const layer of layers) {
    files.push(...layer.files);
    for (const rule of layer.rules) byId.set(rule.id, rule);
  }
  return { rules: sortRules(byId.values()), files };
}

function relativeName(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

export function formatProblem(problem: RuleProblem): string {
  return `${relativeName(problem.file)}${problem.line === undefined ? '' : `:${problem.line}`}: ${problem.message}`;
}

/** The built-in rules directory (unless builtin: false), then each extra directory, as layers. */
export function loadLayers(extraDirs: readonly string[] = [], options: { builtin?: boolean } = {}): RuleLayer[] {
  return [...(options.builtin === false ? [] : [builtinRulesDir()]), ...extraDirs].map(loadLayer);
}

/**
 * The rule set the commands use: built-ins plus each extra directory. Throws a
 * RuleLoadError for the first problem found (rules check lists them all).
 */
export function loadRuleSetSync(extraDirs: readonly string[] = [], options: { builtin?: boolean } = {}): RuleSet {
  const layers = loadLayers(extraDirs, options);
  const problems = layers.flatMap((l) => l.problems);
  if (problems.length) {
    const first = problems[0]!;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''}; run: kb rules check)` : '';
    throw new RuleLoadError(relativeName(first.file), first.line, `${first.message}${more}`, first.hint);
  }
  return layerRules(layers);
}

export async function loadRuleSet(extraDirs: readonly string[] = [], options: { builtin?: boolean } = {}): Promise<RuleSet> {
  return loadRuleSetSync(extraDirs, options);
}
