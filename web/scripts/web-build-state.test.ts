import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { publicSettings, staleReason, stampFile } from './web-build-state.ts';

// When `npm start` (and the browser tests) rebuild web/out/: only when it is missing, or older than
// what it is built from, or built with other NEXT_PUBLIC_* settings.

let root: string;

function write(relative: string, content = 'x', mtime = new Date('2026-01-01T00:00:00Z')): void {
  const file = path.join(root, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  utimesSync(file, mtime, mtime);
}

function built(settings = {}, at = new Date('2026-01-02T00:00:00Z')): void {
  write('web/out/index.html', '<html></html>', at);
  mkdirSync(path.dirname(stampFile({ root })), { recursive: true });
  writeFileSync(stampFile({ root }), JSON.stringify({ settings }));
}

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'cai-web-build-'));
  write('web/app/page.tsx');
  write('packages/sdk/src/index.ts');
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('staleReason', () => {
  it('asks for a build when there is none', () => {
    expect(staleReason({ root }, {})).toBe('web/out/ has not been built');
  });

  it('is satisfied by a build newer than every source', () => {
    built();
    expect(staleReason({ root }, {})).toBeUndefined();
  });

  it('notices a source (of the app or of the SDK) changed after the build', () => {
    built();
    write('packages/sdk/src/rest-client.ts', 'x', new Date('2026-01-03T00:00:00Z'));
    expect(staleReason({ root }, {})).toBe(
      `${path.join('packages', 'sdk', 'src', 'rest-client.ts')} changed since the last build`,
    );
  });

  it('does not rebuild for a changed test, which is not part of the app', () => {
    built();
    write('web/lib/session.test.ts', 'x', new Date('2026-01-03T00:00:00Z'));
    expect(staleReason({ root }, {})).toBeUndefined();
  });

  it('rebuilds for other NEXT_PUBLIC_* settings, which Next bakes into the build', () => {
    built(publicSettings({ NEXT_PUBLIC_SAMPLE_RATE: '16000' }));
    expect(
      staleReason({ root }, publicSettings({ NEXT_PUBLIC_SAMPLE_RATE: '16000', PATH: '/bin' })),
    ).toBeUndefined();
    expect(staleReason({ root }, publicSettings({ NEXT_PUBLIC_SAMPLE_RATE: '24000' }))).toBe(
      'the NEXT_PUBLIC_* settings changed',
    );
  });
});
