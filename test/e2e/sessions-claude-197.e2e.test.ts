// Real Claude Code 2.1.197 through spawn/send/status/stop.
import { it } from 'vitest';
import { claudeFlow } from '../sessions/claude-flow.js';

it('claude 2.1.197: spawn, permission dialog, send --keys, multi-line send, graceful stop keeps the worktree', async () => {
  await claudeFlow('2.1.197', (l) => console.log(l));
}, 180_000);
