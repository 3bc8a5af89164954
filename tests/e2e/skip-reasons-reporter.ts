import type { Reporter, TestCase, TestResult } from '@playwright/test/reporter';

/** The list reporter shows that a test was skipped, not why; this prints the why. */
export default class SkipReasonsReporter implements Reporter {
  onTestEnd(test: TestCase, result: TestResult): void {
    if (result.status !== 'skipped') return;
    const reasons = test.annotations.filter((a) => a.type === 'skip').map((a) => a.description ?? 'no reason given');
    console.log(`  skipped: ${test.titlePath().filter(Boolean).slice(1).join(' › ')} — ${reasons.join('; ')}`);
  }
}
