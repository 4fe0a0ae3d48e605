#!/usr/bin/env node
// The executable: everything lives in program.ts so tests can build the program in-process.
// `kb hook` (run by an agent for every hook event) takes a short path that loads only what
// it needs, so it costs the agent as little time as possible.

if (process.argv[2] === 'hook') {
  const { hookMain } = await import('./evidence/hook-main.js');
  await hookMain(process.argv.slice(3));
  process.exit(0);
}

// A reader that went away (`kb classify *.pane | head -1`) is not an error worth a stack
// trace: stop writing and exit quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    throw error;
  });
}

const { main } = await import('./program.js');
process.exitCode = await main(process.argv);
