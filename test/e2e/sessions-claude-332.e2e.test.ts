// Real Claude Code 2.1.332 (with --permission-mode default) through spawn/send/status/stop.
import { it } from 'vitest';
import { claudeFlow } from '../sessions/claude-flow.js';

it('claude 2.1.332: spawn, permission dialog, send --keys, multi-line send, graceful stop keeps the worktree', async () => {
  await claudeFlow('2.1.332', (l) => console.log(l));
}, 180_000);
