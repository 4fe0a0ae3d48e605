#!/usr/bin/env node
// The executable: everything lives in program.ts so tests can build the program in-process.
import { main } from './program.js';

main(process.argv).then((code) => {
  process.exitCode = code;
});
