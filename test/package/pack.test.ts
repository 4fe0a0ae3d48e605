// The package as users install it: `npm pack` (which builds: prepack), `npm i -g` of the
// tarball into a temporary prefix, and the installed kb runs. Fixtures stay in the source
// repository; rules test says so and tests the directories it is given.
import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';

const root = resolve('.');
let work: string;
let kb: string;

async function run(args: string[], env: Record<string, string> = {}) {
  const r = await execa(kb, args, { reject: false, cwd: work, env: { HOME: work, ...env }, extendEnv: true, timeout: 60_000 });
  return { stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode ?? 1 };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'kb-pack-'));
  // A copy of the sources without dist/ (as a fresh clone has): packing must build it, and
  // must not rewrite the dist/ the other tests run while it builds.
  const src = join(work, 'src-copy');
  await mkdir(src);
  for (const f of ['package.json', 'package-lock.json', 'tsconfig.json', 'README.md', 'src', 'rules', 'skill']) await cp(join(root, f), join(src, f), { recursive: true });
  await symlink(join(root, 'node_modules'), join(src, 'node_modules'));
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: src, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const tarball = join(work, packed[0]!.filename);
  (globalThis as { packedFiles?: string[] }).packedFiles = packed[0]!.files.map((f) => f.path);
  execFileSync('npm', ['install', '-g', '--prefix', join(work, 'prefix'), '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: work, stdio: 'ignore' });
  kb = join(work, 'prefix', 'bin', 'kb');
}, 240_000);
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('the installed package', () => {
  it('ships the built program and the rules, not the tests or fixtures', () => {
    const files = (globalThis as { packedFiles?: string[] }).packedFiles!;
    expect(files).toContain('dist/cli.js');
    expect(files).toContain('rules/schema.json');
    expect(files.some((f) => f.startsWith('rules/claude-code/'))).toBe(true);
    expect(files.some((f) => f.startsWith('test/') || f.startsWith('fixtures/') || f.startsWith('src/'))).toBe(false);
  });

  it('kb --version, doctor, classify, rules check run', async () => {
    const version = JSON.parse(execFileSync('node', ['-p', 'JSON.stringify(require("./package.json").version)'], { cwd: root, encoding: 'utf8' })) as string;
    expect((await run(['--version'])).stdout.trim()).toBe(version);
    const doctor = await run(['--socket', `kb-test-pack-${process.pid}`, '--state-dir', join(work, 'state'), 'doctor']);
    expect(doctor.stdout).toMatch(/^ok\s+rules\s+\d+ rules/m);
    expect(doctor.stdout).toMatch(/^ok\s+state directory/m);
    const classified = await run(['classify', '--agent', 'shell', join(root, 'fixtures/shell/rm-i-simple-80x24.pane')]);
    expect(classified.exitCode, classified.stderr).toBe(0);
    expect(JSON.parse(classified.stdout)).toMatchObject({ state: 'question', rule: 'generic/question-prompt' });
    const check = await run(['rules', 'check']);
    expect(check.exitCode, check.stderr).toBe(0);
    expect(check.stdout).toMatch(/^ok: \d+ rules and \d+ agent profiles/);
  });

  it('skill install writes the skill from the templates the package ships', async () => {
    expect((globalThis as { packedFiles?: string[] }).packedFiles).toContain('skill/SKILL.md');
    const project = join(work, 'project');
    await mkdir(project);
    const r = await run(['skill', 'install', '--dir', project]);
    expect(r.exitCode, r.stderr).toBe(0);
    const files = (JSON.parse(r.stdout) as { files: string[] }).files;
    expect(files.some((f) => f.endsWith('/SKILL.md'))).toBe(true);
    expect(files.some((f) => f.endsWith('/references/commands.md'))).toBe(true);
  });

  it('rules test says plainly that no fixtures ship, and tests the directories given', async () => {
    const bare = await run(['rules', 'test']);
    expect(bare.stdout).toMatch(/no fixtures ship with this package/);
    expect(bare.stdout).toMatch(/0 passed, 0 failed/);
    const own = await run(['rules', 'test', '--fixtures', join(root, 'fixtures/shell')]);
    expect(own.exitCode, own.stdout).toBe(0);
    expect(own.stdout).toMatch(/^[1-9]\d* passed, 0 failed$/m);
  });
});
