import { describe, expect, it } from 'vitest';
import { runChildProcess, streamChildProcess } from './child-process-runner.ts';
import {
  EngineFailedError,
  EngineOutputTooLargeError,
  EngineTimeoutError,
  EngineUnavailableError,
} from './engine-errors.ts';
import { isProcessGone } from './engine-test-support.ts';

const base = { engine: 'test-engine', install: 'apt-get install test-engine', timeoutMs: 10_000 };

describe('runChildProcess', () => {
  it('feeds stdin and collects stdout and stderr', async () => {
    const result = await runChildProcess({
      ...base,
      command: 'sh',
      args: ['-c', 'cat; echo complaint >&2'],
      input: new TextEncoder().encode('bytes in'),
    });
    expect(new TextDecoder().decode(result.stdout)).toBe('bytes in');
    expect(result.stderr).toBe('complaint\n');
  });

  it('kills a hung child at the timeout', async () => {
    let pid = 0;
    const run = runChildProcess({
      ...base,
      command: 'sleep',
      args: ['10'],
      timeoutMs: 100,
      onSpawn: (id) => (pid = id),
    });
    await expect(run).rejects.toBeInstanceOf(EngineTimeoutError);
    expect(pid).toBeGreaterThan(0);
    expect(isProcessGone(pid)).toBe(true);
  });

  it('kills the child when the caller aborts', async () => {
    const controller = new AbortController();
    let pid = 0;
    const run = runChildProcess({
      ...base,
      command: 'sleep',
      args: ['10'],
      signal: controller.signal,
      onSpawn: (id) => {
        pid = id;
        controller.abort(new Error('caller went away'));
      },
    });
    await expect(run).rejects.toThrow('caller went away');
    expect(isProcessGone(pid)).toBe(true);
  });

  it('does not start when already aborted', async () => {
    let spawned = false;
    const run = runChildProcess({
      ...base,
      command: 'sleep',
      args: ['10'],
      signal: AbortSignal.abort(),
      onSpawn: () => (spawned = true),
    });
    await expect(run).rejects.toThrow();
    expect(spawned).toBe(false);
  });

  it('reports a missing binary as unavailable, with the install command', async () => {
    const run = runChildProcess({ ...base, command: '/nonexistent/bin/test-engine' });
    await expect(run).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(run).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      details: { engine: 'test-engine', install: 'apt-get install test-engine' },
    });
  });

  it('reports a failing engine with its exit code and the end of its stderr', async () => {
    const run = runChildProcess({
      ...base,
      command: 'sh',
      args: ['-c', 'echo model file missing >&2; exit 3'],
    });
    await expect(run).rejects.toBeInstanceOf(EngineFailedError);
    await expect(run).rejects.toMatchObject({ exitCode: 3, stderrTail: 'model file missing\n' });
  });

  it('kills an engine whose output passes the cap', async () => {
    let pid = 0;
    const run = runChildProcess({
      ...base,
      command: 'yes',
      maxOutputBytes: 100_000,
      onSpawn: (id) => (pid = id),
    });
    await expect(run).rejects.toBeInstanceOf(EngineOutputTooLargeError);
    expect(isProcessGone(pid)).toBe(true);
  });
});

describe('streamChildProcess', () => {
  it('yields output before the engine finishes', async () => {
    const stream = streamChildProcess({ ...base, command: 'sh', args: ['-c', 'echo first; sleep 10'] });
    const first = await stream.next();
    expect(first.done).toBe(false);
    expect(new TextDecoder().decode(first.value as Uint8Array)).toBe('first\n');
    await stream.return({ stderr: '' });
  });

  it('kills the engine when the consumer stops early', async () => {
    let pid = 0;
    for await (const chunk of streamChildProcess({ ...base, command: 'yes', onSpawn: (id) => (pid = id) })) {
      expect(chunk.length).toBeGreaterThan(0);
      break;
    }
    expect(isProcessGone(pid)).toBe(true);
  });

  it('spawns nothing until read', () => {
    let spawned = false;
    streamChildProcess({ ...base, command: 'sleep', args: ['10'], onSpawn: () => (spawned = true) });
    expect(spawned).toBe(false);
  });
});
