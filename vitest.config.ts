import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The web app's components (web/**/*.tsx) use React's automatic JSX runtime, as Next compiles them.
  esbuild: { jsx: 'automatic' },
  test: {
    include: [
      'src/**/*.test.ts',
      'test/**/*.test.ts',
      'packages/**/*.test.ts',
      'bench/**/*.test.ts',
      'scripts/**/*.test.ts',
      'web/**/*.test.{ts,tsx}',
    ],
    exclude: ['**/node_modules/**', 'web/.next/**', 'web/out/**'],
    // Real servers, databases and child processes: generous, and never used to assert timings.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
