#!/usr/bin/env node
// The executable: everything lives in program.ts so tests can build the program in-process.
import { main } from './program.js';

// A reader that went away (`kb classify *.pane | head -1`) is not an error worth a stack
// trace: stop writing and exit quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    throw error;
  });
}

main(process.argv).then((code) => {
  process.exitCode = code;
});
