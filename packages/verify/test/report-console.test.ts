import { describe, expect, it } from 'vitest';
import { renderConsole } from '../src/report/console.js';
import {
  bundleOf,
  checkRecord,
  criterionRecord,
  previousSampleBundle,
  sampleBundle,
} from './fixtures/report/sample-bundle.js';

const ESC = '\x1b';

describe('the console report', () => {
  it('has no colour codes at all when colour is off, and has them when it is on', () => {
    const plain = renderConsole(sampleBundle(), { color: false, previous: previousSampleBundle() });
    expect(plain).not.toContain(ESC);
    const colored = renderConsole(sampleBundle(), {
      color: true,
      previous: previousSampleBundle(),
    });
    expect(colored).toContain(`${ESC}[31m`);
    // Same words either way: colour is decoration, never the only signal.
    expect(colored.replace(/\x1b\[\d+m/g, '')).toBe(plain);
  });

  it('lists every criterion with mark, verdict, id, owner and reason, and every check under it', () => {
    const bundle = sampleBundle();
    const lines = renderConsole(bundle, { color: false }).split('\n');
    for (const criterion of bundle.criteria) {
      const head = lines.findIndex((line) => line.includes(` ${criterion.id} `));
      expect(head, criterion.id).toBeGreaterThan(0);
      expect(lines[head]).toMatch(new RegExp(`^  \\S ${criterion.verdict}\\s`));
      expect(lines[head]).toContain(`@${criterion.owner}`);
      expect(lines[head]).toContain(criterion.text);
      expect(lines[head + 1]?.trim()).toBe(criterion.reason);
      const checkLines = lines.slice(head + 2, head + 2 + criterion.checks.length + 1);
      for (const check of criterion.checks) {
        expect(
          checkLines.some(
            (line) =>
              line.trimStart().startsWith(check.status) &&
              line.includes(check.check) &&
              line.includes(check.service ?? '') &&
              line.includes(check.summary),
          ),
          `${criterion.id} ${check.check} ${check.service}`,
        ).toBe(true);
      }
    }
    expect(lines.find((line) => line.includes(' OBS-3 '))).toContain('(optional)');
  });

  it('always shows why a check skipped, even when its summary says something else', () => {
    const out = renderConsole(sampleBundle(), { color: false });
    const skip = out.split('\n').find((line) => line.includes('skip  drill.shutdown'));
    expect(skip).toContain('not drilled');
    expect(skip).toContain('ledger has no control: set control.pidFile');
  });

  it('ends with the totals and names the required criteria that are not met', () => {
    const out = renderConsole(sampleBundle(), { color: false });
    expect(out).toContain(
      'not ok  12 criteria: 1 fail, 1 error, 2 manual, 1 skip, 1 warn, 1 waived, 5 pass; required and not met: LIFE-1, LIFE-3, API-2, OPS-1\n',
    );
    const passing = bundleOf([
      criterionRecord({ id: 'A', text: 'a', verdict: 'pass', reason: '1 check passed' }),
      criterionRecord({ id: 'B', text: 'b', verdict: 'waived', reason: 'waived' }),
    ]);
    expect(renderConsole(passing, { color: false })).toMatch(
      /\nok {2}2 criteria: 1 waived, 1 pass\n$/,
    );
  });

  it('marks what changed since the previous bundle', () => {
    const out = renderConsole(sampleBundle(), { color: false, previous: previousSampleBundle() });
    const line = (id: string) => out.split('\n').find((l) => l.includes(` ${id} `)) ?? '';
    expect(line('LIFE-1')).toMatch(/\(was pass\)$/);
    expect(line('OBS-2')).toMatch(/\(was fail\)$/);
    expect(line('API-2')).toMatch(/\(was pass\)$/);
    expect(line('LEDGER-1')).toMatch(/\(new since previous\)$/);
    expect(line('LIFE-2')).not.toContain('was');
    expect(out).toContain('no longer in the plan: LEGACY-1');
    expect(out).toMatch(
      /since 4a1f9e07-\S+ \(2026-12-01 07:31:02 UTC\): 1 better, 2 worse, 1 new, 1 removed\n$/,
    );
    // Without a previous bundle nothing is marked.
    expect(renderConsole(sampleBundle(), { color: false })).not.toMatch(/was pass|since /);
  });

  it('shows the waiver with its approver, risk and expiry', () => {
    const out = renderConsole(sampleBundle(), { color: false });
    expect(out).toContain(
      'waiver: approved by Dana Reyes (security), owner platform, medium risk, expires 2027-01-31: The witness image moves to distroless in Q1; tracked in OPS-412.',
    );
  });

  it('cannot be driven by escape sequences or broken by newlines in bundle text', () => {
    const bundle = bundleOf([
      criterionRecord({
        id: 'X-1',
        text: `title\x1b]0;owned\x07 and \x1b[2J`,
        verdict: 'fail',
        reason: 'line one\nline two',
        checks: [
          checkRecord({
            check: 'probe.contract',
            service: 'core-api',
            status: 'fail',
            summary: 'a\r\nb\u009bc',
          }),
        ],
      }),
    ]);
    const out = renderConsole(bundle, { color: false });
    expect(out).not.toContain(ESC);
    expect(out).not.toContain('\x07');
    expect(out).not.toContain('\u009b');
    expect(out).toContain('title\\x1b]0;owned\\x07 and \\x1b[2J');
    expect(out).toContain('line one ⏎ line two');
    expect(out.split('\n').filter((l) => l.includes('a ⏎ b\\x9bc'))).toHaveLength(1);
  });
});
