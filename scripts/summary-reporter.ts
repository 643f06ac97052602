import type { SerializedError } from 'vitest';
import type { Reporter, TestModule } from 'vitest/node';

/**
 * Ends the run with one plain line, "tests: N passed, N failed, N skipped", which CI systems
 * that read a runner's closing line understand whatever the runner. A run that collected no
 * test at all says so and fails.
 *
 * A test file that fails to load (an import error, a syntax error, a missing system part thrown
 * at the top level) collects no tests, so counting tests alone would print "0 failed" for it.
 * Each such file counts as one failed test, as does each error outside any test (a failing
 * beforeAll, an unhandled rejection), and the files are named above the line.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError> = [],
  ): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    const broken: string[] = [];
    for (const module of testModules) {
      let failedTests = 0;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') counts.passed++;
        else if (state === 'failed') failedTests++;
        else counts.skipped++;
      }
      counts.failed += failedTests;
      const outsideTests =
        module.errors().length +
        [...module.children.allSuites()].reduce((n, suite) => n + suite.errors().length, 0);
      if (outsideTests > 0 && failedTests === 0) {
        counts.failed++;
        broken.push(module.relativeModuleId);
      }
    }
    counts.failed += unhandledErrors.length;
    if (broken.length > 0) {
      process.stdout.write(`\nfailed outside any test (counted as failed): ${broken.join(', ')}\n`);
    }
    process.stdout.write(
      `\ntests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`,
    );
    if (counts.passed + counts.failed === 0) {
      process.stdout.write('no test ran\n');
      process.exitCode = 1;
    }
  }
}
