/**
 * Finds, parses, validates and compiles pack files (rules, named conditions and regions,
 * agent profiles). Every problem names the file and the line and says how to fix it.
 * Built-in packs (rules/) load first; each --rules DIR is layered on top: a rule with an
 * existing id, a named piece with an existing pack/name, a profile with an existing agent
 * name replaces the earlier one. Rules are compiled after layering, so a user's named
 * condition also changes the built-in rules that use it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { LineCounter, parseDocument, isMap, isSeq, type Document, type Node } from 'yaml';
import { RuleLoadError, UsageError } from '../errors.js';
import { CompileError, compileRule, conditionRegexes, qualify, regexesOf, regionBodyRegexes, type CompiledRule, type Piece, type PieceLookup } from './compile.js';
import { builtinRulesDir } from './paths.js';
import { RuleFile } from './pack-schema.js';
import type { AgentProfile } from './profile-schema.js';
import type { Condition, RegionBody, Rule } from './schema.js';
import { validateAgainst } from './validate.js';

export interface RuleProblem {
  file: string;
  line: number | undefined;
  message: string;
  hint: string;
}

/** Where something was written: the file, and the line of a path inside its document. */
export interface Origin {
  file: string;
  pack: string;
  line: number | undefined;
  lineAt(path: (string | number)[]): number | undefined;
}

export interface LoadedRule extends Origin {
  rule: Rule;
}

export interface LoadedProfile extends Origin {
  profile: AgentProfile;
}

export interface RuleSet {
  /** Sorted: priority descending, then id ascending. The classifier takes the first match. */
  readonly rules: readonly CompiledRule[];
  readonly files: readonly string[];
  /** The agent profiles of every layer, later layers replacing earlier ones by name. */
  readonly profiles: readonly LoadedProfile[];
  /** The named conditions and regions, for compiling a profile's regions. */
  readonly pieces: PieceLookup;
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
  rules: LoadedRule[];
  conditions: Piece<Condition>[];
  regions: Piece<RegionBody>[];
  profile: LoadedProfile | undefined;
  problems: RuleProblem[];
}

/** The pack a file belongs to: its directory's name. */
export function packOf(file: string): string {
  return basename(dirname(resolve(file)));
}

/** Parses and validates one pack file (nothing is compiled yet), collecting every problem. */
export function parseRuleFile(file: string, bytes?: Buffer, pack = packOf(file)): ParsedRuleFile {
  const problems: RuleProblem[] = [];
  const empty = (): ParsedRuleFile => ({ rules: [], conditions: [], regions: [], profile: undefined, problems });
  const fail = (line: number | undefined, message: string, hint: string): ParsedRuleFile => {
    problems.push({ file, line, message, hint });
    return empty();
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
    return fail(1, 'the file is empty', 'add a top-level "rules:" list (or "agent:", "conditions:", "regions:"), or delete the file');
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
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    if (isSeq(doc.contents)) {
      return fail(1, 'the file is a bare list', 'put the rules under a top-level "rules:" key');
    }
  }
  const lineAt = (path: (string | number)[]): number | undefined => lineOf(doc, counter, path);
  for (const problem of validateAgainst(RuleFile, value)) {
    problems.push({ file, line: lineAt(problem.path), message: problem.message, hint: problem.hint });
  }
  if (problems.length) return empty();

  const body = value as RuleFile;
  const badRegexes = (found: Iterable<{ path: (string | number)[]; source: string }>, base: (string | number)[], what: string): boolean => {
    let bad = false;
    for (const { path, source } of found) {
      try {
        new RegExp(source);
      } catch (error) {
        bad = true;
        problems.push({
          file,
          line: lineAt([...base, ...path]),
          message: `bad regex in ${what}: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}`,
          hint: 'fix the regular expression (JavaScript syntax; escape ( ) [ ] ? * + with a backslash to match them literally)',
        });
      }
    }
    return bad;
  };

  const conditions: Piece<Condition>[] = [];
  for (const [name, condition] of Object.entries(body.conditions ?? {})) {
    if (!badRegexes(conditionRegexes(condition, []), ['conditions', name], `condition '${name}'`)) {
      conditions.push({ pack, name, body: condition, file, line: lineAt(['conditions', name]) });
    }
  }
  const regions: Piece<RegionBody>[] = [];
  for (const [name, region] of Object.entries(body.regions ?? {})) {
    if (!badRegexes(regionBodyRegexes(region, []), ['regions', name], `region '${name}'`)) {
      regions.push({ pack, name, body: region, file, line: lineAt(['regions', name]) });
    }
  }

  const rules: LoadedRule[] = [];
  const seen = new Map<string, number | undefined>();
  for (const [index, rule] of (body.rules ?? []).entries()) {
    const ruleLine = lineAt(['rules', index]);
    const previous = seen.get(rule.id);
    if (seen.has(rule.id)) {
      problems.push({
        file,
        line: lineAt(['rules', index, 'id']),
        message: `duplicate rule id '${rule.id}' (first defined at line ${previous ?? '?'})`,
        hint: 'give each rule a unique id',
      });
      continue;
    }
    seen.set(rule.id, ruleLine);
    const base = ['rules', index];
    const ruleLineAt = (path: (string | number)[]): number | undefined => lineAt([...base, ...path]);
    if (!badRegexes(regexesOf(rule), base, `rule '${rule.id}'`)) rules.push({ rule, file, pack, line: ruleLine, lineAt: ruleLineAt });
  }
  const profile = body.agent ? { profile: body.agent, file, pack, line: lineAt(['agent']), lineAt: (path: (string | number)[]) => lineAt(['agent', ...path]) } : undefined;
  return { rules, conditions, regions, profile, problems };
}

export interface RuleLayer {
  dir: string;
  files: string[];
  rules: LoadedRule[];
  conditions: Piece<Condition>[];
  regions: Piece<RegionBody>[];
  profiles: LoadedProfile[];
  problems: RuleProblem[];
}

/** The pack of a file inside a layer: its first directory below the layer, else the layer's own name. */
function packInLayer(dir: string, file: string): string {
  const rel = relative(dir, file).split(sep);
  return rel.length > 1 ? rel[0]! : basename(dir);
}

function where(file: string, line: number | undefined): string {
  return `${relative(process.cwd(), file) || basename(file)}:${line ?? '?'}`;
}

/** Loads one directory (a layer): its files, what they define, and duplicates across its files. */
export function loadLayer(dir: string): RuleLayer {
  const abs = resolve(dir);
  let isDir = false;
  try {
    isDir = statSync(abs).isDirectory();
  } catch {
    throw new UsageError(`rules directory not found: ${dir}`, 'pass an existing directory to --rules / KB_RULES / rules check / rules test');
  }
  if (!isDir) throw new UsageError(`not a directory: ${dir}`, 'pass the directory that holds the rule files, not a file');
  const files = findRuleFiles(abs);
  const layer: RuleLayer = { dir: abs, files, rules: [], conditions: [], regions: [], profiles: [], problems: [] };
  const ruleOwners = new Map<string, LoadedRule>();
  const pieceOwners = new Map<string, Piece<unknown>>();
  const profileOwners = new Map<string, LoadedProfile>();
  for (const file of files) {
    const parsed = parseRuleFile(file, undefined, packInLayer(abs, file));
    layer.problems.push(...parsed.problems);
    for (const loaded of parsed.rules) {
      const owner = ruleOwners.get(loaded.rule.id);
      if (owner && owner.file !== file) {
        layer.problems.push({
          file,
          line: loaded.line,
          message: `duplicate rule id '${loaded.rule.id}' (also in ${where(owner.file, owner.line)})`,
          hint: 'rename one of them; to replace a built-in rule, put the replacement in a --rules directory',
        });
        continue;
      }
      ruleOwners.set(loaded.rule.id, loaded);
      layer.rules.push(loaded);
    }
    for (const [kind, list, target] of [
      ['condition', parsed.conditions, layer.conditions],
      ['region', parsed.regions, layer.regions],
    ] as const) {
      for (const piece of list) {
        const key = `${kind}\u0000${piece.pack}/${piece.name}`;
        const owner = pieceOwners.get(key);
        if (owner) {
          layer.problems.push({
            file,
            line: piece.line,
            message: `${kind} '${piece.name}' of pack '${piece.pack}' is defined twice (also in ${where(owner.file, owner.line)})`,
            hint: 'keep one definition per pack',
          });
          continue;
        }
        pieceOwners.set(key, piece);
        (target as Piece<unknown>[]).push(piece);
      }
    }
    if (parsed.profile) {
      const name = parsed.profile.profile.name;
      const owner = profileOwners.get(name);
      if (owner) {
        layer.problems.push({
          file,
          line: parsed.profile.line,
          message: `agent '${name}' has two profiles (also in ${where(owner.file, owner.line)})`,
          hint: 'keep one profile per agent in a directory; to replace a built-in one, put yours in a --rules directory',
        });
      } else {
        profileOwners.set(name, parsed.profile);
        layer.profiles.push(parsed.profile);
      }
    }
  }
  return layer;
}

export function sortRules(rules: Iterable<CompiledRule>): CompiledRule[] {
  return [...rules].sort((a, b) => b.priority - a.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The named pieces of all layers, later layers replacing earlier ones by pack/name. */
export function pieceLookup(layers: readonly RuleLayer[]): PieceLookup {
  const conditions = new Map<string, Piece<Condition>>();
  const regions = new Map<string, Piece<RegionBody>>();
  for (const layer of layers) {
    for (const p of layer.conditions) conditions.set(`${p.pack}/${p.name}`, p);
    for (const p of layer.regions) regions.set(`${p.pack}/${p.name}`, p);
  }
  return {
    condition: (ref, pack) => conditions.get(qualify(ref, pack)),
    region: (ref, pack) => regions.get(qualify(ref, pack)),
  };
}

/** Layers rules (later layers replace earlier ones by id) and compiles them; problems for what does not compile. */
export function layerRules(layers: readonly RuleLayer[]): RuleSet & { problems: RuleProblem[] } {
  const byId = new Map<string, LoadedRule>();
  const profiles = new Map<string, LoadedProfile>();
  const files: string[] = [];
  for (const layer of layers) {
    files.push(...layer.files);
    for (const loaded of layer.rules) byId.set(loaded.rule.id, loaded);
    for (const loaded of layer.profiles) profiles.set(loaded.profile.name, loaded);
  }
  const pieces = pieceLookup(layers);
  const problems: RuleProblem[] = [];
  const compiled: CompiledRule[] = [];
  for (const loaded of byId.values()) {
    try {
      compiled.push(compileRule(loaded.rule, loaded.file, loaded.line, pieces, loaded.pack));
    } catch (error) {
      if (!(error instanceof CompileError)) throw error;
      problems.push({
        file: loaded.file,
        line: loaded.lineAt(error.problem.path) ?? loaded.line,
        message: `rule '${loaded.rule.id}': ${error.problem.message}`,
        hint: error.problem.hint,
      });
    }
  }
  return { rules: sortRules(compiled), files, profiles: [...profiles.values()], pieces, problems };
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

/** Throws the first problem as a RuleLoadError that says how many more there are. */
export function throwFirst(problems: readonly RuleProblem[]): void {
  if (problems.length === 0) return;
  const first = problems[0]!;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''}; run: kb rules check)` : '';
  throw new RuleLoadError(relativeName(first.file), first.line, `${first.message}${more}`, first.hint);
}

/**
 * The rule set the commands use: built-ins plus each extra directory. Throws a
 * RuleLoadError for the first problem found (rules check lists them all).
 */
export function loadRuleSetSync(extraDirs: readonly string[] = [], options: { builtin?: boolean } = {}): RuleSet {
  const layers = loadLayers(extraDirs, options);
  throwFirst(layers.flatMap((l) => l.problems));
  const set = layerRules(layers);
  throwFirst(set.problems);
  return set;
}

export async function loadRuleSet(extraDirs: readonly string[] = [], options: { builtin?: boolean } = {}): Promise<RuleSet> {
  return loadRuleSetSync(extraDirs, options);
}
