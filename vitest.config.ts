import { defineConfig } from 'vitest/config';

// Workspace packages export their TypeScript sources under the `@bulwark/source` condition and
// their build (dist/) otherwise: tests run on the sources, and so does every process a test
// starts (NODE_OPTIONS), so an edit is tested without a rebuild and a stale dist/ never is.
const SOURCE_CONDITION = '@bulwark/source';

// Tests live beside the package they test. Files run in parallel (one fork per core); tests
// that need a port take an ephemeral one, and tests that need a database create their own.
export default defineConfig({
  ssr: { resolve: { conditions: [SOURCE_CONDITION, 'node', 'development|production'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    env: { NODE_OPTIONS: `--conditions=${SOURCE_CONDITION}` },
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
});
