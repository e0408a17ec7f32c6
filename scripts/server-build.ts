import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';

// Builds the server that `npm start` and the benchmark run: src/main.ts bundled by esbuild, cai's
// own modules inlined, packages left in node_modules, run by plain node. Running the sources
// through tsx instead costs each process about 50 MB more: its loader runs in a thread with a heap
// of its own, and keeps every module's transformed source and source map.
//
//   tsx scripts/server-build.ts          (npm start's prestart; npm run build:server)

export const REPOSITORY_ROOT = fileURLToPath(new URL('../', import.meta.url));
/** Where `npm start` runs the server from (git-ignored). */
export const SERVER_BUILD_DIRECTORY = path.join(REPOSITORY_ROOT, 'dist', 'server');
const ENTRY_NAME = 'cai';

/**
 * Builds into `outdir`; answers the file to run. `root` is the checkout built (this one by
 * default; a probe may build an older one to compare it with this one).
 */
export async function buildServer(options: { outdir: string; root?: string }): Promise<string> {
  await build({
    entryPoints: { [ENTRY_NAME]: path.join(options.root ?? REPOSITORY_ROOT, 'src', 'main.ts') },
    outdir: options.outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    // A module imported with `await import()` (the Redis bus, say) stays in a file of its own, so
    // that neither it nor the packages it imports load until it is used.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'error',
    plugins: [ownModuleUrls],
  });
  return path.join(options.outdir, `${ENTRY_NAME}.mjs`);
}

/**
 * Each of cai's modules keeps its own `import.meta.url`, as under tsx: paths it finds relative to
 * itself (web/out/, a package in node_modules) resolve the same from the bundle.
 */
const ownModuleUrls: Plugin = {
  name: 'own-module-urls',
  setup(builder) {
    builder.onLoad({ filter: /\.ts$/ }, async (file) => {
      if (file.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const source = await readFile(file.path, 'utf8');
      const url = JSON.stringify(pathToFileURL(file.path).href);
      return { contents: source.replaceAll('import.meta.url', url), loader: 'ts' };
    });
  },
};

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildServer({ outdir: SERVER_BUILD_DIRECTORY }).catch((error: unknown) => {
    console.error('the server build failed:', error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
