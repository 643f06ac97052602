import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export class ReportAssetError extends Error {
  readonly code = 'BW_REPORT_ASSET';
}

let cached: string | undefined;

/**
 * Chart.js's UMD build, to be inlined in the report so it draws charts offline. chart.js's
 * package exports do not expose dist/ files, so it is found beside the entry point `require`
 * resolves. Read once per process; the file is ~200 KB.
 */
export function chartJsSource(): string {
  if (cached !== undefined) return cached;
  let file: string;
  try {
    file = join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');
    cached = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ReportAssetError(
      `cannot read chart.js's UMD build for the HTML report: ${(error as Error).message}`,
    );
  }
  // Inside a script element `</script` would end it and `<!--` would change how it is parsed;
  // in the library's strings and regular expressions `<\/` and `<\!` mean the same characters.
  // Line ends become LF because the HTML parser does so before the CSP hash is compared.
  cached = cached
    .replace(/\r\n?/g, '\n')
    .replace(/<\/(script)/gi, '<\\/$1')
    .replace(/<!--/g, '<\\!--');
  return cached;
}
