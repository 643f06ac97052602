import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { EvidenceBundle } from '../evidence/model.js';
import { formatTime } from './format.js';
import { chartJsSource, ReportAssetError } from './html/chart-library.js';
import { planCharts } from './html/charts.js';
import { renderCriteriaTable } from './html/criteria-table.js';
import { escapeHtml as h, jsonForScript } from './html/escape.js';
import { renderEvidence } from './html/evidence.js';
import { renderHeader } from './html/header.js';
import { renderTrends } from './html/trends.js';
import { compareBundles } from './trends.js';

export { ReportAssetError };

export interface HtmlOptions {
  /** The environment's previous bundle: verdict changes, p95 moves and faint previous series. */
  readonly previous?: EvidenceBundle;
}

/** The page's stylesheet and script live beside this file as real CSS and JS, read once. */
const assets = new Map<string, string>();
function asset(name: 'styles.css' | 'client.js'): string {
  let text = assets.get(name);
  if (text === undefined) {
    try {
      // The HTML parser turns CRLF into LF before the CSP hash is checked: hash what it will see.
      text = readFileSync(new URL(`./html/${name}`, import.meta.url), 'utf8').replace(
        /\r\n?/g,
        '\n',
      );
    } catch (error) {
      throw new ReportAssetError(
        `cannot read the HTML report's ${name}: ${(error as Error).message}`,
      );
    }
    assets.set(name, text);
  }
  return text;
}

const cspHash = (text: string): string =>
  `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * One self-contained HTML file: styles, Chart.js, the chart data and the page script are all
 * inline, so it opens offline and from a CI artifact store. The Content-Security-Policy allows
 * exactly those inline blocks by their hashes and nothing else (no network, no other script),
 * so even a bundle string that escaped escaping could not run.
 */
export function renderHtml(bundle: EvidenceBundle, options: HtmlOptions = {}): string {
  const trends = options.previous ? compareBundles(bundle, options.previous) : undefined;
  const charts = planCharts(bundle, options.previous);
  const styles = asset('styles.css');
  const library = chartJsSource();
  const client = asset('client.js');
  const csp = [
    "default-src 'none'",
    `script-src ${cspHash(library)} ${cspHash(client)}`,
    `style-src ${cspHash(styles)}`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  // The policy holds only keywords and our own base64 hashes: no character needs escaping.
  const title = `${bundle.summary.ok ? 'OK' : 'NOT OK'} · ${bundle.plan.name} · ${bundle.environment}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${h(`${bundle.tool.name} ${bundle.tool.version}`)}">
<title>${h(title)}</title>
<style>${styles}</style>
</head>
<body>
<main>
${renderHeader(bundle)}
<nav class="toc" aria-label="Sections"><a href="#criteria">Criteria</a><a href="#trends">Trends</a><a href="#latency">Latency</a><a href="#evidence">Evidence</a></nav>
${renderCriteriaTable(bundle, trends)}
${renderTrends(trends)}
${charts.html}
${renderEvidence(bundle, charts.byCheck)}
<footer>
  Rendered from evidence bundle <code>${h(bundle.id)}</code> (${h(formatTime(bundle.finishedAt))}). This page is a
  rendering, not the evidence: the signed record is <code>bundle.json</code> with <code>bundle.sig.json</code>
  beside it; check it with <code>bulwark evidence verify</code>. Charts drawn with Chart.js (MIT).
</footer>
</main>
<script type="application/json" id="report-data">${jsonForScript({ charts: charts.specs })}</script>
<script>${library}</script>
<script>${client}</script>
</body>
</html>
`;
}
