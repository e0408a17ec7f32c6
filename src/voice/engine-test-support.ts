// For tests that need a Debian engine: in CI its absence is a failure, elsewhere a printed skip.
import { findExecutable } from './find-executable.ts';

export async function missingExecutables(commands: readonly string[]): Promise<string[]> {
  const found = await Promise.all(
    commands.map(async (command) => ((await findExecutable(command)) === undefined ? command : undefined)),
  );
  const missing = found.filter((command): command is string => command !== undefined);
  if (missing.length === 0) return missing;
  const message = `${missing.join(', ')} not installed (apt-get install espeak-ng pocketsphinx pocketsphinx-en-us sox)`;
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(`Skipping engine tests: ${message}`);
  return missing;
}

export function isProcessGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
