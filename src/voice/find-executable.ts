// Whether a command would run, without running it: a path is checked directly, a bare name on PATH.
import { access, constants } from 'node:fs/promises';
import path from 'node:path';

export async function findExecutable(command: string): Promise<string | undefined> {
  const candidates = command.includes('/')
    ? [command]
    : (process.env.PATH ?? '')
        .split(path.delimiter)
        .filter((directory) => directory !== '')
        .map((directory) => path.join(directory, command));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here; try the next directory.
    }
  }
  return undefined;
}
