// A small terminal program shaped like an agent CLI, for fast tests of the session logic
// against a real tmux pane (the real agents are the e2e suite's). It is described by the
// test pack in test/sessions/fake-pack/ (a profile and rules), the way any agent is.
//
// Screen: a banner, the conversation, then an input box (a ─ rule, "❯ " + what is typed,
// a ─ rule) and a footer. A submitted message is logged (FAKE_LOG, one JSON line each: what
// "the model" received), shown as "> text", the footer says "esc to interrupt" for
// FAKE_WORK_MS, then the reply "● ..." follows.
//   - a message with "ask me" gets a reply that ends in a question;
//   - a message with "run tool" raises a permission dialog (replacing the input box);
//   - FAKE_TRUST_FILE: until that file exists, a trust dialog comes up FAKE_TRUST_DELAY_MS
//     after the input box is first drawn ("No, exit" selected first);
//   - Ctrl-C: with FAKE_EXIT_DIALOG a keep/remove dialog first, then it prints a resume line
//     inside a box and exits.
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';

const env = process.env;
const log = env.FAKE_LOG;
const workMs = Number(env.FAKE_WORK_MS ?? 300);
const cols = () => process.stdout.columns || 80;
const rule = () => '─'.repeat(Math.max(20, cols()));
const conversation = [];
let input = '';
let inPaste = false;
let mode = 'idle'; // idle | working | permission | trust | exit-dialog
let selected = 0;
let busyTimer = null;

function draw() {
  const out = ['\u001b[2J\u001b[H', ' FAKE AGENT v1.2.3', ''];
  for (const line of conversation.slice(-12)) out.push(line);
  out.push('');
  if (mode === 'permission') {
    out.push(' Bash command', '   rm -rf build', ' Do you want to proceed?', selected === 0 ? ' ❯ 1. Yes' : '   1. Yes', selected === 1 ? ' ❯ 2. No' : '   2. No', ' Esc to cancel');
  } else if (mode === 'trust') {
    out.push(' Do you trust this folder?', selected === 0 ? ' ❯ No, exit' : '   No, exit', selected === 1 ? ' ❯ Yes, I trust this folder' : '   Yes, I trust this folder', ' Enter to confirm');
  } else if (mode === 'exit-dialog') {
    out.push(' Exiting session', selected === 0 ? ' ❯ 1. Keep worktree' : '   1. Keep worktree', selected === 1 ? ' ❯ 2. Remove worktree' : '   2. Remove worktree', ' Enter to confirm');
  } else {
    out.push(rule(), `❯ ${input}`, rule(), mode === 'working' ? '  · Working… (esc to interrupt)' : '  ? for shortcuts');
  }
  process.stdout.write(out.join('\r\n'));
}

function submit(text) {
  if (log) appendFileSync(log, `${JSON.stringify({ text })}\n`);
  conversation.push(`> ${text.replace(/\n/g, ' ')}`);
  if (/run tool/.test(text)) {
    mode = 'permission';
    selected = 0;
    draw();
    return;
  }
  mode = 'working';
  draw();
  busyTimer = setTimeout(() => {
    busyTimer = null;
    conversation.push(/ask me/.test(text) ? '● Which option do you prefer, A or B?' : `● Done: ${text.slice(0, 30).replace(/\n/g, ' ')}`);
    mode = 'idle';
    draw();
  }, workMs);
}

function exitNow() {
  const id = randomUUID();
  process.stdout.write(`\u001b[2J\u001b[H│ To resume this session: fake --resume ${id}${' '.repeat(20)}│\r\n`);
  process.exit(0);
}

function onKey(key) {
  if (key === '\u0003') {
    if (mode === 'exit-dialog') return;
    if (env.FAKE_EXIT_DIALOG) {
      mode = 'exit-dialog';
      selected = 0;
      draw();
      return;
    }
    exitNow();
  }
  if (mode === 'permission' || mode === 'trust' || mode === 'exit-dialog') {
    if (key === '\u001b[A') selected = 0;
    else if (key === '\u001b[B') selected = 1;
    else if (key === '\u001b') {
      mode = 'idle';
      conversation.push('  (cancelled)');
    } else if (key === '\r') {
      if (mode === 'trust') {
        if (selected === 0) process.exit(1);
        writeFileSync(env.FAKE_TRUST_FILE, 'trusted');
        mode = 'idle';
      } else if (mode === 'exit-dialog') {
        exitNow();
      } else {
        conversation.push(selected === 0 ? '● Ran rm -rf build' : '● Not run');
        mode = 'idle';
      }
    }
    draw();
    return;
  }
  if (key === '\r' && !inPaste) {
    if (mode === 'working' || input.trim() === '') return;
    const text = input;
    input = '';
    submit(text);
    return;
  }
  if (key === '\u007f') input = input.slice(0, -1);
  else if (key === '\r' || key === '\n') input += '\n';
  else if (key >= ' ') input += key;
  draw();
}

process.stdin.setRawMode(true);
process.stdout.write('\u001b[?2004h');
process.stdin.on('data', (chunk) => {
  let text = chunk.toString('utf8');
  while (text.length) {
    if (text.startsWith('\u001b[200~')) {
      inPaste = true;
      text = text.slice(6);
    } else if (text.startsWith('\u001b[201~')) {
      inPaste = false;
      text = text.slice(6);
    } else if (/^\u001b\[[AB]/.test(text)) {
      onKey(text.slice(0, 3));
      text = text.slice(3);
    } else {
      const ch = [...text][0];
      onKey(ch);
      text = text.slice(ch.length);
    }
  }
});
process.stdout.on('resize', draw);
draw();
if (env.FAKE_TRUST_FILE && !existsSync(env.FAKE_TRUST_FILE)) {
  setTimeout(() => {
    mode = 'trust';
    selected = 0;
    draw();
  }, Number(env.FAKE_TRUST_DELAY_MS ?? 800));
}
void busyTimer;
