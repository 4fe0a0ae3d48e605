// The skill's text: valid frontmatter, every kb command line it shows parses against the
// real program, the reference covers every command, and rendering is deterministic.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/program.js';
import { STATES } from '../../src/rules/schema.js';
import { loadLayout } from '../../src/skill/layout.js';
import { commandDocs } from '../../src/skill/reference.js';
import { fill, renderSkill } from '../../src/skill/render.js';
import { VERSION } from '../../src/version.js';
import { namesACommand, problemWith, shellWords, shownCommands } from './command-lines.js';

const layout = loadLayout();
const files = renderSkill(buildProgram(), layout, VERSION);
const docs = commandDocs(buildProgram());
const synopses = new Set(docs.map((d) => d.usage));
const text = (path: string) => files.find((f) => f.path === path)!.text;

const scratch: string[] = [];
afterAll(() => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

/** A copy of skill/ to break. */
function copyOfData(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kb-skill-data-'));
  scratch.push(dir);
  cpSync(layout.dataDir, dir, { recursive: true });
  return dir;
}

describe('SKILL.md', () => {
  const skill = text('SKILL.md');
  const m = /^---\n([\s\S]*?)\n---\n/.exec(skill);

  it('starts with YAML frontmatter holding the name and a description of when to use it', () => {
    expect(m, 'frontmatter between --- lines').not.toBeNull();
    const front = parse(m![1]!) as Record<string, unknown>;
    expect(Object.keys(front).sort()).toEqual(['description', 'name']);
    expect(front.name).toBe(layout.name);
    expect(front.name).toMatch(/^[a-z0-9-]{1,64}$/);
    expect(typeof front.description).toBe('string');
    const description = front.description as string;
    expect(description.length).toBeGreaterThan(100);
    expect(description.length).toBeLessThanOrEqual(1024); // the Agent Skills limit
    expect(description).toMatch(/\bUse when\b/);
    expect(description).not.toMatch(/\{\{|[<>]/);
  });

  it('links only references that are written beside it', () => {
    const links = [...skill.matchAll(/\]\(([^)#]+)\)/g)].map((l) => l[1]!);
    expect(links.length).toBeGreaterThan(2);
    for (const link of links) expect(layout.files, link).toContain(link);
    for (const f of layout.files.filter((f) => f !== 'SKILL.md')) expect(skill, f).toContain(`(${f})`);
  });

  it('teaches the orchestrator what it needs: spawn, monitor, answers, stop', () => {
    for (const needle of ['--accept-dialogs', 'prompt_sent', 'Exit 3', '--until idle', 'run_in_background', 'intervention_needed', '"answer":"keys"', '"answer":"text"', 'all_complete', 'timeout', 'kb stop', 'kb kill', 'kb forget', 'resume_command', 'worktree', '--session-id']) {
      expect(skill, needle).toContain(needle);
    }
  });

  it('has a state table with every state the classifier knows', () => {
    for (const s of STATES) expect(skill).toMatch(new RegExp(`^\\| \`${s}\` \\|`, 'm'));
  });
});

describe('every kb command line the skill shows', () => {
  const shown = files.flatMap((f) => shownCommands(f.path, f.text, synopses));

  it('finds them in every file, fenced and inline', () => {
    expect(shown.length).toBeGreaterThan(80);
    for (const f of files) expect(shown.some((s) => s.at.startsWith(`${f.path}:`)), f.path).toBe(true);
    expect(shown.some((s) => s.line.startsWith('kb --session-id fleet1 monitor --until idle'))).toBe(true);
  });

  it('parses against the real program: the command exists, and so do its options and their values', async () => {
    const problems: string[] = [];
    for (const s of shown) {
      // `kb stop` in prose names a command: it must exist. Anything longer must parse.
      const named = s.inline ? namesACommand(s.words) : null;
      if (named === true) continue;
      const problem = named === false ? 'no such command' : await problemWith(s.words);
      if (problem) problems.push(`${s.at}: ${s.line}\n    ${problem}`);
    }
    expect(problems).toEqual([]);
  });

  it('the checker itself rejects what does not exist', async () => {
    expect(await problemWith(['spwan', '--name', 'x'])).toMatch(/unknown command/);
    expect(await problemWith(['spawn', '--nmae', 'x'])).toMatch(/unknown option/);
    expect(await problemWith(['send', '--name', 'x', '--keys', 'Entre'])).toMatch(/Entre/);
    expect(await problemWith(['monitor', '--until', 'done'])).toMatch(/--until/);
    expect(await problemWith(['stop'])).toMatch(/--name/);
    expect(await problemWith(['spawn', '--name', 'x', 'a prompt'])).toBeNull();
    expect(namesACommand(['rules', 'explain'])).toBe(true);
    expect(namesACommand(['rules', 'explian'])).toBe(false);
    expect(namesACommand(['stop', '--name', 'x'])).toBeNull();
    expect(shellWords('kb send --name a "two words" | jq .')).toEqual(['kb', 'send', '--name', 'a', 'two words']);
    expect(shellWords("kb monitor --match 'fix-*' > out.json 2>&1 &")).toEqual(['kb', 'monitor', '--match', 'fix-*']);
    expect(shownCommands('x.md', '```sh\nkb list  # then kb nothing\n```\n`kb read --name a`', new Set()).map((s) => s.words)).toEqual([['list'], ['read', '--name', 'a']]);
  });
});

describe('the command reference', () => {
  const reference = text('references/commands.md');

  it('has a section for every command of the program, with its options and examples', () => {
    for (const d of docs.filter((d) => d.path.length)) {
      expect(reference).toContain(`## kb ${d.path.join(' ')}\n`);
      for (const o of d.options) expect(reference).toContain(`- \`${o.flags}\`: ${o.description}`);
    }
    expect(reference).toContain('kb send --name fix-login --keys Down Enter');
    expect(text('SKILL.md')).toContain('| `kb spawn` `[options] [prompt]` |');
  });

  it('follows the program: a new option shows up without touching the templates', () => {
    const program = buildProgram();
    program.commands.find((c) => c.name() === 'read')!.option('--brand-new-flag', 'a flag added in code only');
    const again = renderSkill(program, layout, VERSION).find((f) => f.path === 'references/commands.md')!.text;
    expect(again).toContain('- `--brand-new-flag`: a flag added in code only');
  });
});

describe('rendering', () => {
  it('gives the same text every time', () => {
    expect(renderSkill(buildProgram(), layout, VERSION)).toEqual(files);
  });

  it('leaves no placeholder behind, and refuses an unknown one naming the file and line', () => {
    for (const f of files) expect(f.text, f.path).not.toMatch(/\{\{\s*\w+\s*\}\}/);
    expect(() => fill('a\n{{ nope }}', { version: '1' }, 'T.md')).toThrow(/T\.md:2: unknown placeholder \{\{ nope \}\}/);
  });

  it('refuses a layout whose states disagree with the classifier', () => {
    const dir = copyOfData();
    const yaml = readFileSync(join(dir, 'skill.yaml'), 'utf8').replace(/^ {2}unknown: .*\n/m, '').replace(/^states:\n/m, 'states:\n  sleepy: never a state\n');
    writeFileSync(join(dir, 'skill.yaml'), yaml);
    expect(() => renderSkill(buildProgram(), loadLayout(dir), VERSION)).toThrow(/missing: unknown; unknown: sleepy/);
  });

  it('refuses a command order that names no command', () => {
    const dir = copyOfData();
    const yaml = readFileSync(join(dir, 'skill.yaml'), 'utf8').replace(/^command_order: \[/m, 'command_order: [spwan, ');
    writeFileSync(join(dir, 'skill.yaml'), yaml);
    expect(() => renderSkill(buildProgram(), loadLayout(dir), VERSION)).toThrow(/no such command: spwan/);
  });
});
