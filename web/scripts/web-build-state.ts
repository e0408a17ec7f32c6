import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

// Whether web/out/ (the static export cai serves at /app/) matches the sources and the
// NEXT_PUBLIC_* settings it was built with, so `npm start` and the browser tests rebuild it only
// when they must.

export interface WebBuildPaths {
  /** The repository root. */
  root: string;
}

export const PUBLIC_SETTING_NAMES = [
  'NEXT_PUBLIC_API_URL',
  'NEXT_PUBLIC_WS_URL',
  'NEXT_PUBLIC_SAMPLE_RATE',
  'NEXT_PUBLIC_DEBUG',
] as const;

export type PublicSettings = Partial<Record<(typeof PUBLIC_SETTING_NAMES)[number], string>>;

/** What the app is built from: its own sources and the SDK it imports. */
const SOURCES = [
  'web/app',
  'web/components',
  'web/lib',
  'web/public',
  'web/next.config.mjs',
  'web/tsconfig.json',
  'packages/sdk/src',
];

export function exportDirectory(paths: WebBuildPaths): string {
  return path.join(paths.root, 'web', 'out');
}

export function stampFile(paths: WebBuildPaths): string {
  return path.join(paths.root, 'web', '.next', 'cai-web-build.json');
}

export function publicSettings(environment: NodeJS.ProcessEnv): PublicSettings {
  const settings: PublicSettings = {};
  for (const name of PUBLIC_SETTING_NAMES) {
    const value = environment[name];
    if (value !== undefined && value !== '') settings[name] = value;
  }
  return settings;
}

/** Why the export must be (re)built, or undefined when it is up to date. */
export function staleReason(paths: WebBuildPaths, settings: PublicSettings): string | undefined {
  const index = path.join(exportDirectory(paths), 'index.html');
  if (!existsSync(index)) return 'web/out/ has not been built';
  const stamp = readStamp(paths);
  if (stamp === undefined) return 'web/out/ was built by something else than `npm run build:web`';
  if (JSON.stringify(stamp.settings) !== JSON.stringify(settings))
    return 'the NEXT_PUBLIC_* settings changed';
  const builtAt = statSync(index).mtimeMs;
  const newer = SOURCES.map((source) => newestChange(path.join(paths.root, source))).find(
    (change) => change !== undefined && change.mtimeMs > builtAt,
  );
  return newer === undefined
    ? undefined
    : `${path.relative(paths.root, newer.file)} changed since the last build`;
}

export function readStamp(paths: WebBuildPaths): { settings: PublicSettings } | undefined {
  try {
    const parsed = JSON.parse(readFileSync(stampFile(paths), 'utf8')) as { settings?: PublicSettings };
    return parsed.settings === undefined ? undefined : { settings: parsed.settings };
  } catch {
    return undefined;
  }
}

/** The most recently modified file under `target` (tests excluded: they are not built). */
function newestChange(target: string): { file: string; mtimeMs: number } | undefined {
  if (!existsSync(target)) return undefined;
  const stat = statSync(target);
  if (!stat.isDirectory()) return { file: target, mtimeMs: stat.mtimeMs };
  let newest: { file: string; mtimeMs: number } | undefined;
  for (const entry of readdirSync(target, { withFileTypes: true })) {
    if (/\.test\.tsx?$/.test(entry.name)) continue;
    const change = newestChange(path.join(target, entry.name));
    if (change !== undefined && (newest === undefined || change.mtimeMs > newest.mtimeMs)) newest = change;
  }
  return newest;
}
