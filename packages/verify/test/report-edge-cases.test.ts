import { describe, expect, it } from 'vitest';
import { renderConsole } from '../src/report/console.js';
import { renderHtml } from '../src/report/html.js';
import { renderJson } from '../src/report/json.js';
import { renderJunit } from '../src/report/junit.js';
import { compareBundles } from '../src/report/trends.js';
import {
  bundleOf,
  checkRecord,
  criterionRecord,
  previousSampleBundle,
  sampleBundle,
} from './fixtures/report/sample-bundle.js';

describe('reports of unusual bundles', () => {
  it('render a plan with no criteria without claiming anything passed', () => {
    const empty = bundleOf([]);
    expect(renderConsole(empty, { color: false })).toContain('ok  0 criteria: none');
    expect(renderJunit(empty)).toContain('tests="0" failures="0" errors="0" skipped="0"');
    expect(renderHtml(empty)).toContain('No check in this run kept latency samples.');
    expect(JSON.parse(renderJson(empty)).criteria).toEqual([]);
  });

  it('render samples that are empty or not finite, and times that do not parse', () => {
    const odd = bundleOf(
      [
        criterionRecord({
          id: 'ODD-1',
          text: 'odd samples',
          verdict: 'error',
          reason: 'broke',
          checks: [
            checkRecord({
              check: 'probe.latency',
              status: 'error',
              summary: 'broke',
              startedAt: 'not a time',
              samples: [
                { name: 'empty', unit: 'ms', values: [] },
                { name: 'nan', unit: 'ms', values: [Number.NaN, Number.POSITIVE_INFINITY] },
                { name: 'bytes', unit: 'bytes', values: [1, 2] },
              ],
            }),
          ],
        }),
      ],
      { startedAt: 'garbage', finishedAt: 'garbage' },
    );
    const html = renderHtml(odd);
    expect(html).toContain('<td colspan="4" class="muted">no values</td>');
    expect(renderJunit(odd)).toContain('time="0.000"');
    expect(renderConsole(odd, { color: false })).toContain('garbage');
    // Byte series are listed with the evidence but neither charted nor trended as latency.
    expect(compareBundles(odd, odd).latency).toEqual([]);
    expect(html).not.toContain('id="chart-0"');
  });

  it('compares with a previous bundle per criterion and per latency series', () => {
    const trends = compareBundles(sampleBundle(), previousSampleBundle());
    const byId = new Map(trends.verdicts.map((t) => [t.id, t]));
    expect(byId.get('LIFE-1')).toMatchObject({ before: 'pass', after: 'fail', change: 'worse' });
    expect(byId.get('OBS-2')).toMatchObject({ before: 'fail', after: 'pass', change: 'better' });
    expect(byId.get('LEDGER-1')).toMatchObject({ after: 'pass', change: 'new' });
    expect(byId.get('LEGACY-1')).toMatchObject({ before: 'pass', change: 'removed' });
    expect(byId.get('SEC-1')?.change).toBe('same');
    const ledgerReady = trends.latency.find((r) => r.service === 'ledger' && r.series === '/ready');
    expect(ledgerReady).toEqual({
      criterionId: 'LIFE-1',
      check: 'probe.latency',
      service: 'ledger',
      series: '/ready',
      beforeP95: 146.9,
      afterP95: 241.3,
    });
    expect(trends.latency).toHaveLength(6);
  });
});
