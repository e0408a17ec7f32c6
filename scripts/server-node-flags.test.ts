import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serverNodeFlags } from './server-node-flags.ts';

const directory = mkdtempSync(path.join(tmpdir(), 'cai-node-flags-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function manifest(contents: unknown): string {
  const file = path.join(directory, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(contents));
  return file;
}

describe('serverNodeFlags', () => {
  it('reads config.nodeFlags, split on white space', () => {
    const file = manifest({ config: { nodeFlags: ' --max-semi-space-size=8  --max-old-space-size=512 ' } });
    expect(serverNodeFlags(file)).toEqual(['--max-semi-space-size=8', '--max-old-space-size=512']);
  });

  it('refuses a package.json without them, rather than run the server some other way', () => {
    expect(() => serverNodeFlags(manifest({ config: {} }))).toThrow(/config\.nodeFlags/);
  });

  it('reads cai’s own package.json, whose flags node accepts', () => {
    const run = spawnSync(process.execPath, [...serverNodeFlags(), '-e', '0'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
