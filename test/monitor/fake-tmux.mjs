#!/usr/bin/env node
// A stand-in for `tmux -C attach-session` speaking control-mode framing, for unit tests.
// Commands: `echo WORDS` (one line back), `capture-pane ... -t %N` (a screen whose text
// imitates tmux guards; %99 is a vanished pane), `die` (server killed: %exit and exit 1),
// `exit` (%exit and exit 0), `hang` (no answer).
import readline from 'node:readline';

let n = 100;
const t = 1795500000;
const out = (s) => process.stdout.write(s);
out(`%begin ${t} ${n} 0\n%end ${t} ${n++} 0\n%session-changed $0 a\n`);
const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const num = n++;
  if (line === 'die') {
    out('%exit server exited unexpectedly\n');
    process.stderr.write('server exited unexpectedly\n');
    process.exit(1);
  }
  if (line === 'exit') {
    out('%exit\n');
    process.exit(0);
  }
  if (line === 'hang') return;
  if (line.startsWith('capture-pane')) {
    const id = line.split(' ').pop();
    if (id === '%99') {
      out(`%begin ${t} ${num} 1\ncan't find pane: %99\n%error ${t} ${num} 1\n`);
      return;
    }
    // Pane text that looks like guards but does not match this block's number.
    const rows = [`pane ${id}`, `%end ${t} ${num + 1} 1`, `%begin ${t} 5 1`, `%error ${t} ${num - 1} 1`, ''];
    // Split the reply across writes mid-line, as a pipe may.
    const text = `%begin ${t} ${num} 1\n${rows.join('\n')}\n%end ${t} ${num} 1\n%window-add @1\n`;
    out(text.slice(0, 7));
    out(text.slice(7));
    return;
  }
  out(`%begin ${t} ${num} 1\n${line.replace(/^echo /, '')}\n%end ${t} ${num} 1\n`);
});
rl.on('close', () => {
  out('%exit\n');
  process.exit(0);
});
