export { type ConsoleOptions, renderConsole } from './console.js';
export { type HtmlOptions, ReportAssetError, renderHtml } from './html.js';
export { renderJson } from './json.js';
export { renderJunit } from './junit.js';
export {
  type BundleTrends,
  compareBundles,
  type LatencyTrend,
  type VerdictTrend,
} from './trends.js';
