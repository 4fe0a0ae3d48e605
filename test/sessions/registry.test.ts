import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  readRegistry,
  readRegistryOrEmpty,
  RegistryCorruptError,
  RegistryMissingError,
  registryReader,
  updateRegistry,
} from '../../src/sessions/registry.js';

const run = promisify(execFile);
const registryModule = resolve('src/sessions/registry.ts');

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kb-registry-'));
  file = join(dir, 'kage-bunshin', 'registry-default.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function entry(name: string) {
  return { name, model: null, spawned_at: new Date().toISOString(), worktree: null, tmux_session: name };
}

describe('registryReader (the monitor reads the registry every cycle)', () => {
  it('parses again only when the file was replaced, and still reports a broken file', async () => {
    await updateRegistry(file, (r) => void (r.a = entry('a')));
    const read = registryReader(file);
    const first = await read();
    expect(first.changed).toBe(true);
    expect(Object.keys(first.registry)).toEqual(['a']);
    const second = await read();
    expect(second.changed).toBe(false);
    expect(second.registry).toBe(first.registry);
    await updateRegistry(file, (r) => void (r.b = entry('b')));
    const third = await read();
    expect(third.changed).toBe(true);
    expect(Object.keys(third.registry).sort()).toEqual(['a', 'b']);
    await writeFile(file, '{"a": ');
    await expect(read()).rejects.toBeInstanceOf(RegistryCorruptError);
    // A broken file is not remembered as read: it is reported again on every call.
    await expect(read()).rejects.toBeInstanceOf(RegistryCorruptError);
    await rm(file);
    await expect(read()).rejects.toBeInstanceOf(RegistryMissingError);
  });
});

describe('registry', () => {
  it('reports a missing file as missing', async () => {
    await expect(readRegistry(file)).rejects.toBeInstanceOf(RegistryMissingError);
    await expect(readRegistry(file)).rejects.toThrow(/no registry at .*registry-default\.json/);
    expect(await readRegistryOrEmpty(file)).toEqual({});
  });

  it('creates the file on the first update and keeps unknown fields', async () => {
    await updateRegistry(file, (r) => {
      r.a = { ...entry('a'), repo_dir: '/x', future: { n: 1 } };
    });
    await updateRegistry(file, (r) => {
      const a = r.a;
      if (a) a.stopped_at = '2026-01-01T00:00:00.000Z';
    });
    const r = await readRegistry(file);
    expect(r.a?.repo_dir).toBe('/x');
    expect(r.a?.future).toEqual({ n: 1 });
    expect(r.a?.stopped_at).toBe('2026-01-01T00:00:00.000Z');
  });

  it('never overwrites a file it cannot parse, and names the file and the JSON error', async () => {
    await mkdir(join(dir, 'kage-bunshin'), { recursive: true });
    await writeFile(file, '{"a": {"name": "a",');
    await expect(readRegistry(file)).rejects.toBeInstanceOf(RegistryCorruptError);
    await expect(readRegistry(file)).rejects.toThrow(/registry-default\.json cannot be parsed: .*JSON/);
    await expect(updateRegistry(file, (r) => void (r.b = entry('b')))).rejects.toBeInstanceOf(RegistryCorruptError);
    expect(await readFile(file, 'utf8')).toBe('{"a": {"name": "a",');
    await writeFile(file, '[1,2]');
    await expect(readRegistry(file)).rejects.toThrow(/expected a JSON object/);
  });

  it('fills a missing name from the key (legacy entries)', async () => {
    await mkdir(join(dir, 'kage-bunshin'), { recursive: true });
    await writeFile(file, JSON.stringify({ old: { model: 'opus', spawned_at: 'x', worktree: 'old', tmux_session: 'old' } }));
    expect((await readRegistry(file)).old?.name).toBe('old');
  });

  it('a throwing mutator writes nothing', async () => {
    await updateRegistry(file, (r) => void (r.a = entry('a')));
    await expect(
      updateRegistry(file, (r) => {
        r.b = entry('b');
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(Object.keys(await readRegistry(file))).toEqual(['a']);
  });

  it('20 concurrent writer processes lose nothing', async () => {
    const script = join(dir, 'writer.mts');
    await writeFile(
      script,
      `import { updateRegistry } from ${JSON.stringify(registryModule)};
const [file, name] = process.argv.slice(2);
for (let i = 0; i < 3; i++) {
  await updateRegistry(file, async (r) => {
    const key = name + '-' + i;
    r[key] = { name: key, model: null, spawned_at: new Date().toISOString(), worktree: null, tmux_session: key };
    await new Promise((res) => setTimeout(res, Math.random() * 5));
  });
}
`,
    );
    const writers = Array.from({ length: 20 }, (_, n) =>
      run(process.execPath, ['--import', 'tsx', script, file, `w${n}`], { cwd: resolve('.') }),
    );
    await Promise.all(writers);
    const r = await readRegistry(file);
    expect(Object.keys(r)).toHaveLength(60);
  }, 120_000);
});
