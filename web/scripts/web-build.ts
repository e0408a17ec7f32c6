import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { publicSettings, stampFile, staleReason, type WebBuildPaths } from './web-build-state.ts';

// Runs Next.js for the browser app: `build` makes the static export in web/out/ (and records what
// it was built from), `dev` runs the dev server. Both offline: no telemetry, and no attempt to
// "patch" package-lock.json over the network.
//
//   tsx web/scripts/web-build.ts build [--if-stale] [--soft]   (npm run build:web; npm start's prestart)
//   tsx web/scripts/web-build.ts dev [next dev options]        (npm run dev:web)

export const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const NEXT_ENVIRONMENT = { NEXT_TELEMETRY_DISABLED: '1', NEXT_IGNORE_INCORRECT_LOCKFILE: '1' };

function nextBinary(): string {
  return createRequire(import.meta.url).resolve('next/dist/bin/next');
}

export interface RunNextOptions {
  arguments: string[];
  /** Collect the output (returned, and in the error on failure) instead of streaming it. */
  quiet?: boolean;
  paths?: WebBuildPaths;
  /** The environment Next sees (default: this process's); its NEXT_PUBLIC_* go into the build. */
  environment?: NodeJS.ProcessEnv;
}

/** Runs `next <arguments>` on web/. */
export function runNext(options: RunNextOptions): Promise<string> {
  const root = options.paths?.root ?? REPOSITORY_ROOT;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [nextBinary(), ...options.arguments], {
      cwd: root,
      env: { ...(options.environment ?? process.env), ...NEXT_ENVIRONMENT },
      stdio: options.quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(output);
      else
        reject(
          new Error(
            `next ${options.arguments.join(' ')} failed (exit ${code})${output ? `:\n${output}` : ''}`,
          ),
        );
    });
  });
}

/** Builds web/out/ and stamps it with the settings it was built with. */
export async function buildWebApp(options: Omit<RunNextOptions, 'arguments'> = {}): Promise<void> {
  const paths = options.paths ?? { root: REPOSITORY_ROOT };
  await runNext({ ...options, arguments: ['build', 'web'], paths });
  const stamp = stampFile(paths);
  mkdirSync(path.dirname(stamp), { recursive: true });
  const settings = publicSettings(options.environment ?? process.env);
  writeFileSync(stamp, `${JSON.stringify({ settings, builtAt: new Date().toISOString() }, null, 2)}\n`);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'dev') {
    await runNext({ arguments: ['dev', 'web', ...rest] });
    return;
  }
  if (command !== 'build') throw new Error('usage: web-build.ts build [--if-stale] [--soft] | dev [options]');
  const paths = { root: REPOSITORY_ROOT };
  if (rest.includes('--if-stale')) {
    const reason = staleReason(paths, publicSettings(process.env));
    if (reason === undefined) return;
    console.log(`Building the web app (${reason})…`);
  }
  try {
    await buildWebApp({ paths });
  } catch (error) {
    // `npm start` goes on without the app: the API works, and /app/ says how to build it.
    if (!rest.includes('--soft')) throw error;
    console.warn(
      `The web app could not be built; cai starts without it (/app/ will say so). ${(error as Error).message}`,
    );
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error((error as Error).message);
    process.exitCode = 1;
  });
}
