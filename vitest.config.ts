import { defineConfig } from 'vitest/config';

// Tests live beside the package they test. Files run in parallel (one fork per core); tests
// that need a port take an ephemeral one, and tests that need a database create their own.
export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
});
