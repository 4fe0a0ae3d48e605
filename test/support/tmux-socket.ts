/**
 * tmux 3.3a leaves the socket file behind after kill-server; a test that made a private
 * server removes it too, so /tmp/tmux-<uid> does not fill with dead kb-test-* sockets.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

export function socketFile(name: string): string {
  return join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, name);
}

export async function removeSocketFile(name: string): Promise<void> {
  await rm(socketFile(name), { force: true });
}
