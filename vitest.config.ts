import { defineConfig } from 'vitest/config';

// Two projects: `unit` (pure code, plus real tmux with shells in private servers) runs
// files in parallel; `e2e` (real Claude Code / Codex / Gemini CLIs) runs one file at a
// time, because each real agent takes most of a core on a 2-core machine.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/e2e/**', 'node_modules/**'], maxWorkers: 2 },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 240_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
