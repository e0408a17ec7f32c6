import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPOSITORY_ROOT } from './server-build.ts';

// The node flags the server runs with, in one place: package.json's `config.nodeFlags`, which
// `npm start` passes to node ($npm_package_config_nodeFlags) and the benchmark reads from here, so
// that both run cai the same way. Why these flags: docs/configuration.md, "Memory".

export function serverNodeFlags(packageJsonPath = path.join(REPOSITORY_ROOT, 'package.json')): string[] {
  const manifest = JSON.parse(readFileSync(packageJsonPath, 'utf8')) as { config?: { nodeFlags?: unknown } };
  const flags = manifest.config?.nodeFlags;
  if (typeof flags !== 'string') throw new Error(`${packageJsonPath} has no config.nodeFlags string`);
  return flags.split(/\s+/).filter((flag) => flag !== '');
}
