// A test program for `send`: raw mode, bracketed paste on; appends every byte it receives to
// the file named by argv[2] and shows a counter line, so each delivery changes the screen.
import { appendFileSync, writeFileSync } from 'node:fs';

const out = process.argv[2];
writeFileSync(out, '');
let total = 0;
process.stdin.setRawMode(true);
process.stdout.write('\u001b[?2004hreceiver ready\r\n');
process.stdin.on('data', (chunk) => {
  appendFileSync(out, chunk);
  total += chunk.length;
  if (chunk.includes(3)) process.exit(0); // Ctrl-C
  process.stdout.write(`got ${total} bytes${chunk.includes(13) ? ' +CR' : ''}\r\n`);
});
