import type { Reporter, RunnerTask, RunnerTestFile } from 'vitest';

// Prints one plain closing line, "N passed, N failed, N skipped", that CI reads whatever runner
// printed above it.

function* walk(tasks: RunnerTask[]): Generator<RunnerTask> {
  for (const task of tasks) {
    yield task;
    if ('tasks' in task) yield* walk(task.tasks);
  }
}

/** Whether a failure below this task is already counted (a failed test, or a failed suite inside it). */
function failsBelow(task: RunnerTask): boolean {
  return 'tasks' in task && task.tasks.some((child) => child.result?.state === 'fail' || failsBelow(child));
}

export default class SummaryReporter implements Reporter {
  onFinished(files: RunnerTestFile[] = [], errors: unknown[] = []): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const task of walk(files)) {
      if (task.type === 'test') {
        if (task.result?.state === 'pass') passed += 1;
        else if (task.result?.state === 'fail') failed += 1;
        else skipped += 1;
      } else if (task.result?.state === 'fail' && !failsBelow(task)) {
        // A file that failed to load, or a suite whose beforeAll/afterAll failed: its tests may
        // all be marked skipped or passed, but the run failed all the same.
        failed += 1;
      }
    }
    failed += errors.length;
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
