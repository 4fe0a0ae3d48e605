/**
 * The state directory holds the registry, event logs and (briefly) launch files with the
 * caller's environment: directories are 0700 and files 0600, so no other local user reads
 * them. A path component that is not a directory is reported as such, not as an internal error.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { KbError } from '../errors.js';

function notADirectory(path: string, error: unknown): KbError {
  return new KbError(`cannot use ${path} as a state directory: ${(error as Error).message.replace(/^[A-Z]+: /, '')}`, {
    hint: 'pass --state-dir DIR (a directory kb may create), or fix DH_STATE_HOME / HOME',
    cause: error,
  });
}

/** mkdir -p with mode 0700 for what it creates; an existing directory keeps its mode. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR' || code === 'EEXIST' || code === 'EACCES' || code === 'EROFS' || code === 'EPERM') throw notADirectory(dir, error);
    throw error;
  }
}

/** Writes a file only its owner can read (0600), in a 0700 directory. */
export async function writePrivateFile(path: string, data: string, dir: string): Promise<void> {
  await ensurePrivateDir(dir);
  await writeFile(path, data, { mode: 0o600 });
  await chmod(path, 0o600);
}
