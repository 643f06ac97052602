import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvidenceBundle } from '../src/evidence/model.js';
import { renderJunit, xmlEscape } from '../src/report/junit.js';
import {
  chromiumPart,
  launchChromium,
  type PageElement,
  type PageGlobals,
} from './fixtures/report/chromium.js';
import {
  bundleOf,
  checkRecord,
  criterionRecord,
  sampleBundle,
} from './fixtures/report/sample-bundle.js';

/** Characters XML 1.0 forbids outright: a parser rejects the whole file on any of them. */
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udfff]/;
const HOSTILE = `a & b < c > d "e" 'f' \x00\x1b[31m\x7f tab\there\r\nnext ]]> \ud800 lone`;

function hostileBundle(): EvidenceBundle {
  return bundleOf(
    [
      criterionRecord({
        id: 'X-1',
        section: `sec ${HOSTILE}`,
        text: HOSTILE,
        verdict: 'fail',
        reason: HOSTILE,
        checks: [
          checkRecord({
            check: 'probe.contract',
            service: 'core-api',
            status: 'fail',
            summary: HOSTILE,
          }),
        ],
      }),
    ],
    { plan: { name: HOSTILE, path: 'p.yaml', sha256: 'ab' } },
  );
}

/** The testcase elements, each with its attributes and body, found by their fixed layout. */
function testcases(xml: string): Array<{ attrs: string; body: string }> {
  return [...xml.matchAll(/<testcase ([^>]*)>\n([\s\S]*?)\n {4}<\/testcase>/g)].map((m) => ({
    attrs: m[1] as string,
    body: m[2] as string,
  }));
}

describe('the JUnit report', () => {
  it('has one testcase per criterion and totals that match the verdicts', () => {
    const bundle = sampleBundle();
    const xml = renderJunit(bundle);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')).toBe(true);
    const cases = testcases(xml);
    expect(cases).toHaveLength(bundle.criteria.length);
    // fail and error are failures; skip and manual skipped; waived, warn and pass are passes.
    expect(xml).toContain(
      '<testsuites name="bulwark verify reference-stack (local)" tests="12" failures="2" errors="0" skipped="3" time="14.870">',
    );
    expect(xml).toMatch(
      /<testsuite name="reference-stack \(local\)" tests="12" failures="2" errors="0" skipped="3" time="14.870" timestamp="2026-12-02T07:29:14.000Z" hostname="ci-runner-7">/,
    );
    for (const [index, criterion] of bundle.criteria.entries()) {
      const { attrs, body } = cases[index] as { attrs: string; body: string };
      expect(attrs).toContain(`classname="${xmlEscape(criterion.section ?? '')}"`);
      expect(attrs).toContain(`name="${xmlEscape(`${criterion.id} ${criterion.text}`)}"`);
      const failure = body.includes('<failure ');
      const skipped = body.includes('<skipped ');
      expect(failure, criterion.id).toBe(
        criterion.verdict === 'fail' || criterion.verdict === 'error',
      );
      expect(skipped, criterion.id).toBe(
        criterion.verdict === 'skip' || criterion.verdict === 'manual',
      );
      if (skipped)
        expect(body).toContain(
          `message="${xmlEscape(`${criterion.verdict}: ${criterion.reason}`)}"`,
        );
      expect(body).toContain(`<property name="verdict" value="${criterion.verdict}"/>`);
    }
    const error = cases[bundle.criteria.findIndex((c) => c.verdict === 'error')];
    expect(error?.body).toContain('<failure type="error" ');
  });

  it('passes a waived criterion and records the waiver in properties and system-out', () => {
    const bundle = sampleBundle();
    const waived = testcases(renderJunit(bundle))[
      bundle.criteria.findIndex((c) => c.id === 'SEC-1')
    ];
    expect(waived?.body).not.toMatch(/<failure|<skipped|<error/);
    expect(waived?.body).toContain(
      '<property name="waiver.approver" value="Dana Reyes (security)"/>',
    );
    expect(waived?.body).toContain('<property name="waiver.risk" value="medium"/>');
    expect(waived?.body).toContain('<property name="waiver.expires" value="2027-01-31"/>');
    expect(waived?.body).toMatch(
      /<system-out>WAIVED by Dana Reyes \(security\) \(owner platform, medium risk\) until 2027-01-31: /,
    );
  });

  it('escapes markup and writes characters XML cannot carry as visible text', () => {
    const xml = renderJunit(hostileBundle());
    expect(xml).not.toMatch(FORBIDDEN);
    expect(xml).not.toContain('a & b');
    expect(xml).not.toContain('< c');
    expect(xml).not.toContain('"e"');
    expect(xml).not.toContain(']]>');
    expect(xml).toContain(
      'a &amp; b &lt; c &gt; d &quot;e&quot; &apos;f&apos; \\x00\\x1b[31m\x7f tab&#9;here&#13;&#10;next ]]&gt; \\ud800 lone',
    );
    // Every tag is closed in order: a structural check without an XML library in the repo.
    const stack: string[] = [];
    for (const [, close, name, , selfClosing] of xml.matchAll(
      /<(\/?)([a-z-]+)((?:\s+[a-z.]+="[^"<]*")*)\s*(\/?)>/g,
    )) {
      if (close) expect(stack.pop()).toBe(name);
      else if (!selfClosing) stack.push(name as string);
    }
    expect(stack).toEqual([]);
    // And nothing between the tags looks like markup.
    for (const text of xml.replace(/^<\?xml[^>]*\?>/, '').split(/<[^<>]*>/)) {
      expect(text).not.toMatch(/[<>]|&(?!amp;|lt;|gt;|quot;|apos;|#\d+;)/);
    }
  });

  const chromium = chromiumPart();
  describe.skipIf(!chromium.available)(
    'read back by a real XML parser (Chromium DOMParser)',
    () => {
      let browser: Browser;
      beforeAll(async () => {
        browser = await launchChromium();
      });
      afterAll(async () => {
        await browser?.close();
      });

      it('parses, and every attribute and body reads back as the bundle text', async () => {
        const page = await browser.newPage();
        const read = async (xml: string) =>
          page.evaluate((text) => {
            const { DOMParser } = globalThis as unknown as PageGlobals;
            const doc = new DOMParser().parseFromString(text, 'application/xml');
            const error = doc.querySelector('parsererror')?.textContent ?? null;
            const suite = doc.querySelector('testsuites');
            return {
              error,
              tests: suite?.getAttribute('tests'),
              failures: suite?.getAttribute('failures'),
              skipped: suite?.getAttribute('skipped'),
              cases: [...doc.querySelectorAll('testcase')].map((tc: PageElement) => ({
                classname: tc.getAttribute('classname'),
                name: tc.getAttribute('name'),
                failure: tc.querySelector('failure')?.getAttribute('message') ?? null,
                failureBody: tc.querySelector('failure')?.textContent ?? null,
                skipped: tc.querySelector('skipped')?.getAttribute('message') ?? null,
                approver:
                  tc.querySelector('property[name="waiver.approver"]')?.getAttribute('value') ??
                  null,
              })),
            };
          }, xml);

        const sample = await read(renderJunit(sampleBundle()));
        expect(sample.error).toBeNull();
        expect([sample.tests, sample.failures, sample.skipped]).toEqual(['12', '2', '3']);
        expect(sample.cases.map((c) => c.name?.split(' ')[0])).toEqual(
          sampleBundle().criteria.map((c) => c.id),
        );
        expect(sample.cases.find((c) => c.approver)?.approver).toBe('Dana Reyes (security)');

        const hostile = await read(renderJunit(hostileBundle()));
        expect(hostile.error).toBeNull();
        // What XML can carry comes back exactly, tab and CR LF included; the rest as visible escapes.
        const visible = HOSTILE.replace('\x00', '\\x00')
          .replace('\x1b', '\\x1b')
          .replace('\ud800', '\\ud800');
        expect(hostile.cases[0]?.name).toBe(`X-1 ${visible}`);
        expect(hostile.cases[0]?.failure).toBe(visible);
        expect(hostile.cases[0]?.classname).toBe(`sec ${visible}`);
        expect(hostile.cases[0]?.failureBody).toBe(`fail probe.contract on core-api: ${visible}`);
        await page.close();
      });
    },
  );
});
