// Whether Silero VAD can run here, answered without loading it: onnxruntime-node's native binding
// for this platform and the model file are on disk. Loading the runtime and the model costs a
// process about 37 MB that it keeps for its lifetime; `/health` is asked every few seconds by
// every balancer, and most processes never hear a voice, so the model loads on first voice use
// (silero-model.ts) and this check stands in for it until then.
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Why Silero cannot run here, or undefined when everything it needs is installed. */
export async function findSileroInstallProblem(modelPath: string): Promise<string | undefined> {
  let runtimeDirectory: string;
  try {
    runtimeDirectory = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
  } catch {
    return 'onnxruntime-node is not installed';
  }
  // Where onnxruntime-node's own loader (its dist/binding.js) requires it from.
  const binding = path.join(
    runtimeDirectory,
    'bin',
    'napi-v6',
    process.platform,
    process.arch,
    'onnxruntime_binding.node',
  );
  if (!(await isNonEmptyFile(binding))) {
    return `onnxruntime-node has no native binding for ${process.platform}-${process.arch} (${binding})`;
  }
  if (!(await isNonEmptyFile(modelPath))) return `the Silero model ${modelPath} is missing`;
  return undefined;
}

async function isNonEmptyFile(file: string): Promise<boolean> {
  try {
    const found = await stat(file);
    return found.isFile() && found.size > 0;
  } catch {
    return false;
  }
}
