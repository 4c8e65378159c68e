import { readFileSync } from 'node:fs';

/** A file named by a command-line option, read whole; the error names the option and the path. */
export function readOptionFile(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`${flag} ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
}
