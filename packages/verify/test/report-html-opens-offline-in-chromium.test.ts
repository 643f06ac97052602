import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../src/report/html.js';
import {
  chromiumPart,
  guardedPage,
  launchChromium,
  type PageCanvas,
  type PageElement,
  type PageGlobals,
} from './fixtures/report/chromium.js';
import { previousSampleBundle, sampleBundle } from './fixtures/report/sample-bundle.js';

const chromium = chromiumPart();
/** Where the lead looks at the latest rendering. */
const SHARED_SCREENSHOT = '/tmp/bw/report-screenshot.png';

describe.skipIf(!chromium.available)('the HTML report in headless Chromium', () => {
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    browser = await launchChromium();
    dir = mkdtempSync(join(tmpdir(), 'bw-report-'));
  });
  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('opens from file:// with no network, shows the verdict, criteria, evidence and drawn charts', async () => {
    const bundle = sampleBundle();
    const file = join(dir, 'report.html');
    writeFileSync(file, renderHtml(bundle, { previous: previousSampleBundle() }));
    const { page, networkAttempts, errors, dialogs } = await guardedPage(browser);
    await page.goto(pathToFileURL(file).href);

    // Verdict banner: the word and the blocking criteria by name.
    const banner = page.locator('section.banner');
    await expect.poll(() => banner.isVisible()).toBe(true);
    expect(await banner.locator('.verdict-word').textContent()).toBe('NOT OK');
    const bannerText = await banner.textContent();
    for (const id of ['LIFE-1', 'LIFE-3', 'API-2', 'OPS-1']) expect(bannerText).toContain(id);
    expect(await banner.locator('.chip.v-fail .n').textContent()).toBe('1');
    expect(await banner.locator('.chip.v-pass .n').textContent()).toBe('5');

    // One visible row per criterion, each with a text status (not colour alone) and its reason.
    const rows = await page.$$eval('table.criteria tr.crit', (trs) =>
      trs.map((tr) => {
        const row = tr as unknown as PageElement;
        return {
          visible: row.offsetHeight > 0,
          badge: row.querySelector('.badge')?.textContent ?? '',
          id: row.querySelector('.cid')?.textContent,
          reason: row.querySelector('.reason')?.textContent,
        };
      }),
    );
    expect(rows).toEqual(
      bundle.criteria.map((c) => ({
        visible: true,
        badge: expect.stringContaining(c.verdict),
        id: c.id,
        reason: c.reason,
      })),
    );
    // The filter hides the passing rows and only those.
    await page.check('#attention-only');
    expect(await page.locator('table.criteria tr.crit:visible').count()).toBe(
      bundle.criteria.filter((c) => c.verdict !== 'pass').length,
    );
    await page.uncheck('#attention-only');

    // Trends against the previous bundle.
    const trends = page.locator('#trends');
    expect(await trends.locator('.trend.worse').count()).toBeGreaterThanOrEqual(2);
    expect(await trends.locator('.trend.better').count()).toBeGreaterThanOrEqual(1);
    expect(await trends.locator('.delta.worse').first().textContent()).toMatch(/\+\d/);

    // Charts: Chart.js drew on every latency canvas, and drew something.
    const canvases = page.locator('#latency canvas');
    expect(await canvases.count()).toBe(3);
    const drawn = await canvases.evaluateAll((elements) =>
      elements.map((element) => {
        const canvas = element as unknown as PageCanvas;
        const chart = (globalThis as unknown as PageGlobals).Chart.getChart(canvas);
        const pixels =
          canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
        let inked = 0;
        for (let i = 3; i < pixels.length; i += 4) if ((pixels[i] as number) > 0) inked++;
        return { datasets: chart?.data.datasets.length ?? 0, inked, width: canvas.width };
      }),
    );
    for (const chart of drawn) {
      // This run's /live and /ready, the previous run's, and the p95 limit.
      expect(chart.datasets).toBe(5);
      expect(chart.width).toBeGreaterThan(100);
      expect(chart.inked).toBeGreaterThan(1000);
    }

    // A failing criterion's evidence starts open; a passing one opens from its row link.
    const failing = page.locator('details.evidence.v-fail');
    expect(await failing.getAttribute('open')).not.toBeNull();
    expect(await failing.locator('article.check').first().isVisible()).toBe(true);
    const ledger = page.locator('details.evidence', { hasText: 'LEDGER-1' });
    expect(await ledger.getAttribute('open')).toBeNull();
    await page.click('table.criteria a.cid:text-is("LEDGER-1")');
    await expect.poll(() => ledger.getAttribute('open')).not.toBeNull();
    const artifact = ledger.locator('table.artifacts code.hash');
    expect(await artifact.isVisible()).toBe(true);
    expect(await artifact.textContent()).toMatch(/^[0-9a-f]{64}$/);
    // The waiver with approver, risk and expiry; the skip with its reason.
    await page.click('#expand-all');
    const waiver = page.locator('details.evidence.v-waived .waiver');
    expect(await waiver.isVisible()).toBe(true);
    expect(await waiver.textContent()).toMatch(/Dana Reyes.*platform.*2027-01-31/s);
    expect(await waiver.textContent()).toContain('medium risk');
    expect(
      await page.locator('details.evidence.v-skip .check-reason').first().textContent(),
    ).toContain('ledger has no control');

    await page.click('#collapse-all');
    await page.click('table.criteria a.cid:text-is("LIFE-1")');
    const shot = join(dir, 'report.png');
    await page.locator('h1').scrollIntoViewIfNeeded();
    await page.screenshot({ path: shot, fullPage: true });
    mkdirSync('/tmp/bw', { recursive: true });
    copyFileSync(shot, SHARED_SCREENSHOT);

    expect(networkAttempts).toEqual([]);
    expect(errors).toEqual([]);
    expect(dialogs).toEqual([]);
    await page.context().close();
  });

  it('keeps hostile bundle text inert: a criterion cannot close the script or run its own', async () => {
    const base = sampleBundle();
    const hostile = '</script><script>alert(1)</script><img src=x onerror=alert(2)>';
    const bundle = {
      ...base,
      plan: { ...base.plan, name: `<b>${hostile}</b>` },
      criteria: base.criteria.map((c, i) =>
        i === 0
          ? {
              ...c,
              text: hostile,
              reason: `<!-- ${hostile}`,
              checks: c.checks.map((check) => ({
                ...check,
                summary: hostile,
                samples: check.samples.map((s) => ({ ...s, name: `</script>${s.name}` })),
              })),
            }
          : c,
      ),
    };
    const file = join(dir, 'hostile.html');
    writeFileSync(file, renderHtml(bundle));
    const { page, networkAttempts, errors, dialogs } = await guardedPage(browser);
    await page.goto(pathToFileURL(file).href);
    await page.locator('#latency canvas').first().waitFor();
    expect(
      await page.locator('table.criteria tr.crit').first().locator('.ctext').textContent(),
    ).toBe(hostile);
    expect(await page.locator('h1').textContent()).toBe(`<b>${hostile}</b>`);
    // Only the report's own three script elements exist, and no image was injected.
    expect(await page.locator('script').count()).toBe(3);
    expect(await page.locator('img').count()).toBe(0);
    // The chart still got its series name back intact through the JSON block.
    const labels = await page
      .locator('#latency canvas')
      .first()
      .evaluate((canvas) =>
        (globalThis as unknown as PageGlobals).Chart.getChart(canvas)?.data.datasets.map(
          (d) => d.label,
        ),
      );
    expect(labels).toContain('</script>/ready');
    expect(dialogs).toEqual([]);
    expect(networkAttempts).toEqual([]);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
