// kb skill install as a user runs it: where it writes, what it prints, overwriting its own
// install, refusing someone else's directory, and merging the stop hook into a settings file.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/program.js';
import { loadLayout } from '../../src/skill/layout.js';
import { renderSkill } from '../../src/skill/render.js';
import { VERSION } from '../../src/version.js';
import { runCli } from '../support/cli.js';

const layout = loadLayout();
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function temp(prefix: string): string {
  const d = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  dirs.push(d);
  return d;
}

function repo(): string {
  const d = temp('kb-skill-repo-');
  execFileSync('git', ['init', '-q'], { cwd: d });
  return d;
}

const skillDir = (root: string) => join(root, layout.projectDir, layout.name);

async function kb(args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = await runCli(['skill', 'install', ...args], { cwd, env: { HOME: temp('kb-skill-home-'), ...env } });
  return { ...r, json: r.exitCode === 0 ? (JSON.parse(r.stdout) as Record<string, unknown>) : null };
}

describe('kb skill install', () => {
  it("writes into the git repository's top level by default, even from a subdirectory, and prints the paths", async () => {
    const root = repo();
    mkdirSync(join(root, 'src', 'deep'), { recursive: true });
    const r = await kb([], join(root, 'src', 'deep'));
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const dir = skillDir(root);
    expect(r.json).toMatchObject({ status: 'installed', skill: layout.name, scope: 'project', dir, overwritten: false, removed: [], hooks: null });
    const files = r.json!.files as string[];
    expect(files).toEqual([...layout.files.map((f) => join(dir, f)), join(dir, '.kage-bunshin.json')]);
    for (const f of files) expect(existsSync(f), f).toBe(true);
    // What it wrote is what rendering gives: regenerating gives the same text.
    for (const f of renderSkill(buildProgram(), layout, VERSION)) expect(readFileSync(join(dir, f.path), 'utf8'), f.path).toBe(f.text);
  });

  it('outside git, writes into the current directory; --dir names a project; --global the home', async () => {
    const plain = temp('kb-skill-plain-');
    expect((await kb([], plain)).json?.dir).toBe(skillDir(plain));

    const project = repo();
    expect((await kb(['--dir', project], temp('kb-skill-elsewhere-'))).json?.dir).toBe(skillDir(project));

    const home = temp('kb-skill-home-');
    const g = await kb(['--global'], plain, { HOME: home });
    expect(g.json).toMatchObject({ scope: 'user', dir: join(home, layout.userDir, layout.name) });
    expect(existsSync(join(home, layout.userDir, layout.name, 'SKILL.md'))).toBe(true);
  });

  it("errors in kb's shape: a missing --dir (exit 1), --dir with --global (exit 2)", async () => {
    const cwd = temp('kb-skill-err-');
    const missing = await kb(['--dir', join(cwd, 'nope')], cwd);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/^kage-bunshin: --dir .*nope: no such directory/);
    expect(missing.stderr).toMatch(/\n {2}fix: /);
    expect(missing.stderr).not.toMatch(/\bat \S+:\d+/); // no stack trace
    const both = await kb(['--dir', cwd, '--global'], cwd);
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toMatch(/^kage-bunshin: --dir and --global exclude each other\n {2}fix: /);
    expect(existsSync(join(cwd, layout.projectDir))).toBe(false);
  });

  it('overwrites its own install and says so, keeps files the user added, removes files it no longer writes', async () => {
    const root = repo();
    await kb([], root);
    const dir = skillDir(root);
    writeFileSync(join(dir, 'SKILL.md'), 'edited by hand');
    writeFileSync(join(dir, 'my-notes.md'), 'mine');
    // An older version wrote a reference this one does not.
    writeFileSync(join(dir, 'references', 'old.md'), 'old');
    const manifest = JSON.parse(readFileSync(join(dir, '.kage-bunshin.json'), 'utf8')) as { files: string[]; version: string };
    writeFileSync(join(dir, '.kage-bunshin.json'), JSON.stringify({ ...manifest, version: '0.0.9', files: [...manifest.files, 'references/old.md'] }));
    const again = await kb([], root);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.json).toMatchObject({ overwritten: true, previous_version: '0.0.9', removed: [join(dir, 'references', 'old.md')] });
    expect(again.stderr).toBe(`kage-bunshin: overwrote the skill kb 0.0.9 had written at ${dir}`);
    expect(readFileSync(join(dir, 'SKILL.md'), 'utf8')).toMatch(/^---\nname: /);
    expect(readFileSync(join(dir, 'my-notes.md'), 'utf8')).toBe('mine');
    expect(existsSync(join(dir, 'references', 'old.md'))).toBe(false);
  });

  it('refuses a skill directory it did not write (exit 1, nothing changed) unless --force, which keeps the other files', async () => {
    const root = repo();
    const dir = skillDir(root);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'SKILL.md'), 'someone else\'s skill');
    writeFileSync(join(dir, 'theirs.md'), 'theirs');
    const refused = await kb([], root);
    expect(refused.exitCode).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(new RegExp(`^kage-bunshin: ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} exists and was not written by kb\n {2}fix: .*--force`));
    expect(readFileSync(join(dir, 'SKILL.md'), 'utf8')).toBe("someone else's skill");
    expect(existsSync(join(dir, '.kage-bunshin.json'))).toBe(false);

    const forced = await kb(['--force'], root);
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(forced.json).toMatchObject({ overwritten: false });
    expect(readFileSync(join(dir, 'SKILL.md'), 'utf8')).toMatch(/^---\nname: /);
    expect(readFileSync(join(dir, 'theirs.md'), 'utf8')).toBe('theirs');
    // Now it is kb's: a plain install overwrites it.
    expect((await kb([], root)).json).toMatchObject({ overwritten: true });
  });

  it('an empty directory is not someone else\'s', async () => {
    const root = repo();
    mkdirSync(skillDir(root), { recursive: true });
    expect((await kb([], root)).exitCode).toBe(0);
  });
});

describe('kb skill install --hooks FILE', () => {
  const command = layout.stopHook.command;
  const { settingsKey: key, event } = layout.stopHook;

  it('creates the settings file with the stop hook only when asked, and adds nothing twice', async () => {
    const root = repo();
    const plain = await kb([], root);
    expect(plain.json?.hooks).toBeNull();
    expect(existsSync(join(root, layout.stopHook.settingsExample))).toBe(false); // never without --hooks

    const r = await kb(['--hooks', layout.stopHook.settingsExample], root);
    const file = join(root, layout.stopHook.settingsExample);
    expect(r.json).toMatchObject({ hooks: { file, event, added: true } });
    expect(r.json!.files).toContain(file);
    const settings = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, unknown[]>>;
    expect(settings).toEqual({ [key]: { [event]: [layout.stopHook.entry] } });
    expect(JSON.stringify(settings)).toContain(JSON.stringify(command));

    const again = await kb(['--hooks', file], root);
    expect(again.json).toMatchObject({ hooks: { file, added: false } });
    expect(again.json!.files).not.toContain(file);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(settings);
  });

  it("keeps everything else in the user's settings file", async () => {
    const root = repo();
    const file = join(root, 'settings.json');
    const mine = { model: 'x', [key]: { [event]: [{ hooks: [{ type: 'command', command: 'echo mine' }] }], Other: [{ hooks: [] }] }, permissions: { allow: ['Bash(ls)'] } };
    writeFileSync(file, JSON.stringify(mine));
    const r = await kb(['--hooks', file], root);
    expect(r.exitCode, r.stderr).toBe(0);
    const after = JSON.parse(readFileSync(file, 'utf8')) as typeof mine;
    expect(after).toEqual({ ...mine, [key]: { ...mine[key], [event]: [...mine[key][event]!, layout.stopHook.entry] } });
  });

  it('refuses a settings file it cannot keep whole, before writing anything', async () => {
    const root = repo();
    const file = join(root, 'settings.json');
    writeFileSync(file, '{"model": "x",');
    const r = await kb(['--hooks', file], root);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^kage-bunshin: --hooks .*settings\.json is not valid JSON: .*\n {2}fix: /);
    expect(readFileSync(file, 'utf8')).toBe('{"model": "x",');
    expect(existsSync(skillDir(root))).toBe(false);
    writeFileSync(file, JSON.stringify({ [key]: { [event]: 'not a list' } }));
    expect((await kb(['--hooks', file], root)).stderr).toMatch(/is not a list/);
  });
});
