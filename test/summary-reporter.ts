import type { Reporter, RunnerTask, RunnerTestFile } from 'vitest';

// Prints one plain closing line, "N passed, N failed, N skipped", that CI reads whatever runner
// printed above it.

function* testsOf(tasks: RunnerTask[]): Generator<RunnerTask> {
  for (const task of tasks) {
    if (task.type === 'test') yield task;
    else if ('tasks' in task) yield* testsOf(task.tasks);
  }
}

export default class SummaryReporter implements Reporter {
  onFinished(files: RunnerTestFile[] = [], errors: unknown[] = []): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const test of testsOf(files)) {
      if (test.result?.state === 'pass') passed += 1;
      else if (test.result?.state === 'fail') failed += 1;
      else skipped += 1;
    }
    // A file that failed to load has no tests but is a failure all the same.
    failed += files.filter((file) => file.result?.state === 'fail' && file.tasks.length === 0).length;
    failed += errors.length;
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
