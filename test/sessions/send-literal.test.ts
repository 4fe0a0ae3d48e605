// send delivers text byte for byte: key names, ';', leading '-', quotes, #{...}, wide
// Unicode, multi-line and 100 KB arrive exactly (checked at a real program in a private tmux).
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSandbox, sleep, until, type Sandbox } from './support.js';

let sb: Sandbox;
let out: string;
const receiver = resolve('test/sessions/programs/receiver.mjs');

beforeAll(async () => {
  sb = await makeSandbox({ git: false });
  out = join(sb.repo, 'received.bin');
  const r = await sb.kb(['spawn', '--name', 'r', '--agent', `${process.execPath} ${receiver} ${out}`]);
  expect(r.exitCode, r.stderr).toBe(0);
});
afterAll(async () => {
  await sb.cleanup();
});

let offset = 0;
/** Sends text and returns exactly the bytes the program received for it. */
async function deliver(args: string[], input?: string): Promise<string> {
  const r = input === undefined ? await sb.kb(['send', '--name', 'r', ...args]) : await runWithInput(args, input);
  expect(r.exitCode, r.stderr).toBe(0);
  expect(JSON.parse(r.stdout)).toMatchObject({ status: 'sent', name: 'r' });
  // The final Enter arrives last: wait until the received bytes end with it and settle.
  let size = -1;
  await until('the bytes to settle', async () => {
    const now = statSync(out).size;
    const done = now === size && now > offset;
    size = now;
    return done;
  }, 20_000, 200);
  const all = readFileSync(out);
  const got = all.subarray(offset).toString('utf8');
  offset = all.length;
  return got;
}

async function runWithInput(args: string[], input: string) {
  const { runCli } = await import('../support/cli.js');
  return runCli(['--socket', sb.socket, '--state-dir', sb.stateDir, 'send', '--name', 'r', ...args], { cwd: sb.repo, input });
}

const PASTE_START = '\u001b[200~';
const PASTE_END = '\u001b[201~';

describe('send is literal', () => {
  const cases: [string, string][] = [
    ['a key name', 'Enter'],
    ['key names in a sentence', 'press Enter then Escape and C-c Up space'],
    ['a trailing semicolon', 'ls;'],
    ['a lone semicolon', ';'],
    ['an escaped semicolon', 'a\\;'],
    ['quotes and shell syntax', `it's "quoted" \`x\` $HOME \\ back & | > <`],
    ['tmux formats', '#{pane_id} #(echo hi) ## #[fg=red]'],
    ['wide Unicode and emoji', '日本語テキスト 🎉 é ñ ｗｉｄｅ'],
  ];
  for (const [what, text] of cases) {
    it(what, async () => {
      expect(await deliver([text])).toBe(`${text}\r`);
    });
  }

  it('a leading dash (after --)', async () => {
    expect(await deliver(['--', '-n leading dash'])).toBe('-n leading dash\r');
  });

  it('multi-line text as one bracketed paste, then Enter alone', async () => {
    const text = 'line one\nEnter;\n-x #{pane_id}\n日本';
    const got = await deliver([text]);
    expect(got).toBe(`${PASTE_START}${text.replace(/\n/g, '\r')}${PASTE_END}\r`);
  });

  it('100 KB from stdin arrives exactly', async () => {
    let text = '';
    let i = 0;
    while (text.length < 100 * 1024) text += `${i++} The quick brown fox; Enter #{x} 日本 -- "q"\n`;
    text = text.trimEnd();
    const got = await deliver(['--stdin'], text);
    expect(got.length).toBe(`${PASTE_START}${text}${PASTE_END}\r`.length);
    expect(got).toBe(`${PASTE_START}${text.replace(/\n/g, '\r')}${PASTE_END}\r`);
  }, 60_000);

  it('a long single line goes as a paste too', async () => {
    const text = 'y'.repeat(20_000) + ';';
    expect(await deliver([text])).toBe(`${PASTE_START}${text}${PASTE_END}\r`);
  });

  it('named keys one at a time', async () => {
    expect(await deliver(['--keys', 'Up', 'y', ';', 'Enter'])).toBe('\u001b[Ay;\r');
  });

  it('rejects unknown key names before sending anything', async () => {
    const r = await sb.kb(['send', '--name', 'r', '--keys', 'Down', 'Entr']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/unknown key "Entr"/);
    await sleep(300);
    expect(statSync(out).size).toBe(offset);
  });

  it('leaves copy mode before typing', async () => {
    const pane = JSON.parse((await sb.kb(['status', '--name', 'r'])).stdout).pane_id as string;
    sb.tmux('copy-mode', '-t', pane);
    expect(sb.tmux('display-message', '-p', '-t', pane, '#{pane_in_mode}').trim()).toBe('1');
    expect(await deliver(['after copy mode'])).toBe('after copy mode\r');
  });
});
