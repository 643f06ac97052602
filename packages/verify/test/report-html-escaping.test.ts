import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { EvidenceBundle } from '../src/evidence/model.js';
import { renderHtml } from '../src/report/html.js';
import {
  bundleOf,
  checkRecord,
  criterionRecord,
  latency,
  sampleBundle,
} from './fixtures/report/sample-bundle.js';

const ATTACK = '</script><script>alert(1)</script>';

function attackBundle(): EvidenceBundle {
  return bundleOf(
    [
      criterionRecord({
        id: 'XSS-1',
        section: `<i>${ATTACK}</i>`,
        owner: `"><img src=x onerror=alert(3)>`,
        text: ATTACK,
        verdict: 'fail',
        reason: `<!-- ${ATTACK}`,
        checks: [
          checkRecord({
            check: 'probe.latency',
            service: 'core-api',
            status: 'fail',
            summary: ATTACK,
            params: { p95Ms: 200, note: ATTACK },
            measurements: { [ATTACK]: ATTACK },
            samples: [latency(ATTACK, { count: 5, baseMs: 10, jitterMs: 5, seed: 1 })],
          }),
        ],
        waiver: { owner: ATTACK, approver: ATTACK, reason: ATTACK, risk: ATTACK, expires: ATTACK },
      }),
    ],
    { plan: { name: ATTACK, path: ATTACK, sha256: ATTACK }, environment: ATTACK, id: ATTACK },
  );
}

function scripts(html: string): Array<{ attrs: string; body: string }> {
  return [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/gi)].map((m) => ({
    attrs: m[1] as string,
    body: m[2] as string,
  }));
}

describe('the HTML report keeps bundle text inert', () => {
  it('escapes every bundle string, so a criterion cannot open a script or an element', () => {
    const html = renderHtml(attackBundle());
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<i>');
    expect(html).not.toContain('<!-- </script');
    expect(html).toContain('&#60;/script&#62;&#60;script&#62;alert(1)&#60;/script&#62;');
    // The page's own scripts, and only those: the data block, Chart.js, the page script.
    const found = scripts(html);
    expect(found.map((s) => s.attrs)).toEqual([
      ' type="application/json" id="report-data"',
      '',
      '',
    ]);
  });

  it('carries chart data in a JSON block with no literal "<", read back intact', () => {
    const html = renderHtml(attackBundle());
    const data = scripts(html)[0]?.body ?? '';
    expect(data).not.toContain('<');
    const parsed = JSON.parse(data) as { charts: Array<{ series: Array<{ label: string }> }> };
    expect(parsed.charts[0]?.series[0]?.label).toBe(ATTACK);
  });

  it('allows exactly its own inline blocks by hash in a strict Content-Security-Policy', () => {
    const html = renderHtml(sampleBundle());
    const csp =
      /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';
    const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    const [, library, client] = scripts(html);
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`script-src ${hash(library?.body ?? '')} ${hash(client?.body ?? '')};`);
    expect(csp).toContain(`style-src ${hash(style)};`);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    expect(library?.body).toContain('Chart.js v4');
    // No way out to the network: no external src, href or url() anywhere in the page.
    expect(html).not.toMatch(/\s(src|href)="(?!#)/);
    expect(style).not.toMatch(/url\(|@import/);
  });

  it('renders the same bytes for the same bundle (no clock, locale or random ids)', () => {
    expect(renderHtml(sampleBundle())).toBe(renderHtml(sampleBundle()));
  });
});
