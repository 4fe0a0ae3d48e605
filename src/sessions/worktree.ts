/** Whether a worktree an agent made is still there. */
import { existsSync } from 'node:fs';

/** The path if the directory still exists, else null. */
export function existingPath(path: string | null | undefined): string | null {
  return path && existsSync(path) ? path : null;
}
