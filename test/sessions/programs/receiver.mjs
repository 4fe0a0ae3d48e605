// A test program for `send`: raw mode, bracketed paste on; appends every byte it receives to
// the file named by argv[2]. It behaves like a small REPL, so that delivery can be proven the
// way it is with a real agent: what is typed shows on the prompt line ("> text", printable
// characters only, the first 40 of them), a carriage return outside a paste submits it (the
// line stays above, then a "got N bytes" line and a fresh prompt).
import { appendFileSync, writeFileSync } from 'node:fs';

const out = process.argv[2];
writeFileSync(out, '');
let total = 0;
let line = '';
let inPaste = false;
process.stdin.setRawMode(true);
process.stdout.write('\u001b[?2004hreceiver ready\r\n> ');

const show = () => {
  const visible = [...line].slice(0, 40).join('');
  process.stdout.write(`\r\u001b[K> ${visible}${line.length > 40 ? '…' : ''}`);
};

process.stdin.on('data', (chunk) => {
  appendFileSync(out, chunk);
  total += chunk.length;
  if (chunk.includes(3)) process.exit(0); // Ctrl-C
  let text = chunk.toString('utf8');
  for (;;) {
    if (text.startsWith('\u001b[200~')) {
      inPaste = true;
      text = text.slice(6);
      continue;
    }
    if (text.startsWith('\u001b[201~')) {
      inPaste = false;
      text = text.slice(6);
      continue;
    }
    if (text === '') break;
    const ch = text[0];
    text = text.slice(1);
    if (ch === '\u001b') {
      // another escape sequence (a key): skip its bytes
      const m = /^\[[0-9;]*[A-Za-z~]/.exec(text);
      if (m) text = text.slice(m[0].length);
      continue;
    }
    if (ch === '\r' && !inPaste) {
      process.stdout.write(`\r\ngot ${total} bytes +CR\r\n`);
      line = '';
      process.stdout.write('> ');
      continue;
    }
    if (ch === '\r' || ch === '\n') line += ' ';
    else if (ch >= ' ' && ch !== '\u007f') line += ch;
  }
  show();
});
