import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultSileroModelPath } from './silero-model.ts';
import { findSileroInstallProblem } from './silero-install-check.ts';

const directory = mkdtempSync(path.join(tmpdir(), 'cai-silero-check-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('findSileroInstallProblem', () => {
  it('finds nothing wrong with the runtime and model npm install ships', async () => {
    expect(await findSileroInstallProblem(defaultSileroModelPath())).toBeUndefined();
  });

  it('names a model file that is missing', async () => {
    const missing = path.join(directory, 'missing.onnx');
    expect(await findSileroInstallProblem(missing)).toBe(`the Silero model ${missing} is missing`);
  });

  it('counts an empty model file as missing (an interrupted download)', async () => {
    const empty = path.join(directory, 'empty.onnx');
    writeFileSync(empty, '');
    expect(await findSileroInstallProblem(empty)).toBe(`the Silero model ${empty} is missing`);
  });

  it('accepts a copy of the model anywhere', async () => {
    const copy = path.join(directory, 'copy.onnx');
    copyFileSync(defaultSileroModelPath(), copy);
    expect(await findSileroInstallProblem(copy)).toBeUndefined();
  });
});
