import { spawnSync } from 'node:child_process';
import { systemPart } from '@bulwark/testkit';
import { describe, expect, it } from 'vitest';
import { parsePrometheusText } from '../src/checks/live/prometheus-text.js';

const promtool = systemPart({
  name: 'promtool',
  install: 'apt-get install prometheus',
  probe: ['promtool', '--version'],
});

/** Expositions a scraper accepts, each with a family the parser must find. */
const VALID: ReadonlyArray<readonly [string, string, string]> = [
  [
    'histogram with labels',
    'h',
    '# HELP h Latency.\n# TYPE h histogram\nh_bucket{le="0.1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 0.3\nh_count 2\n',
  ],
  ['summary', 's', '# TYPE s summary\ns{quantile="0.5"} 1\ns_sum 3\ns_count 2\n'],
  ['escapes in label values', 'a', 'a{path="C:\\\\dir",q="say \\"hi\\"",n="x\\ny"} 1\n'],
  ['special floats', 'c', 'a NaN\nb +Inf\nc -Inf\n'],
  ['exponents and a timestamp', 'b', 'a 1e3\nb .5 1700000000000\nc 5.\n'],
  [
    'comments, blank lines, tabs, no space after the labels',
    'a',
    '# just a comment\n\na{x="1"}1\nb\t2\n',
  ],
  ['trailing comma and empty braces', 'b', 'a{x="1",} 1\nb{} 2\n'],
];

/** Expositions a scraper rejects, and the line it rejects. */
const INVALID: ReadonlyArray<readonly [string, number, string]> = [
  ['HTML', 1, '<html>\n<body>oops</body>\n'],
  ['TYPE after samples', 2, 'a 1\n# TYPE a counter\n'],
  ['second TYPE', 3, '# TYPE a gauge\na 1\n# TYPE a gauge\n'],
  ['second HELP', 2, '# HELP a x\n# HELP a y\n'],
  ['unknown type', 1, '# TYPE a foo\n'],
  ['fractional timestamp', 2, 'ok 1\na 1 1.5\n'],
  ['text after the timestamp', 1, 'a 1 2 3\n'],
  ['value not a number', 3, 'a 1\nb 2\nc abc\n'],
  ['hex value', 1, 'a 0x10\n'],
  ['bad escape', 1, 'a{x="a\\q"} 1\n'],
  ['unterminated label value', 1, 'a{x="1} 1\n'],
  ['duplicate label', 1, 'a{x="1",x="2"} 1\n'],
  ['unquoted label value', 1, 'a{x=1} 1\n'],
  ['CRLF line ends', 1, 'a 1\r\nb 2\r\n'],
  ['missing value', 2, 'a 1\nb\n'],
  ['binary', 1, '\u0000\u0001\u0002garbage'],
  ['JSON', 1, '{"status":"ok"}\n'],
];

describe('the Prometheus text parser', () => {
  it.each(VALID)('accepts %s', (_name, family, text) => {
    const parsed = parsePrometheusText(text);
    expect(parsed.ok ? [...parsed.families.keys()] : parsed).toContain(family);
  });

  it.each(INVALID)('rejects %s at line %i', (_name, line, text) => {
    const parsed = parsePrometheusText(text);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? undefined : parsed.line).toBe(line);
  });

  it('groups histogram and summary samples under the declared family', () => {
    const parsed = parsePrometheusText(VALID[0]?.[2] ?? '');
    if (!parsed.ok) throw new Error(parsed.message);
    const histogram = parsed.families.get('h');
    expect(histogram?.type).toBe('histogram');
    expect(histogram?.help).toBe('Latency.');
    expect(histogram?.samples.map((s) => s.name)).toEqual([
      'h_bucket',
      'h_bucket',
      'h_sum',
      'h_count',
    ]);
    expect(histogram?.samples[1]?.labels).toEqual({ le: '+Inf' });
    expect(parsed.families.has('h_bucket')).toBe(false);
  });

  it('unescapes label values and reads special floats', () => {
    const parsed = parsePrometheusText(`${VALID[2]?.[2]}${VALID[3]?.[2]}`);
    if (!parsed.ok) throw new Error(parsed.message);
    expect(parsed.families.get('a')?.samples[0]?.labels).toEqual({
      path: 'C:\\dir',
      q: 'say "hi"',
      n: 'x\ny',
    });
    expect(parsed.families.get('b')?.samples[0]?.value).toBe(Number.POSITIVE_INFINITY);
  });

  it('quotes the bad line short and printable', () => {
    const parsed = parsePrometheusText(`\u0000${'x'.repeat(500)}`);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.message).toMatch(/^expected a metric name: "\?x+…"$/);
    expect(parsed.message.length).toBeLessThan(80);
  });
});

describe.skipIf(!promtool.available)('the parser agrees with promtool check metrics', () => {
  /** promtool's verdict: the line of its parse error, or undefined when it parses. */
  function promtoolParseErrorLine(text: string): number | undefined {
    const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    const match = /text format parsing error in line (\d+)/.exec(`${run.stdout}${run.stderr}`);
    return match ? Number(match[1]) : undefined;
  }

  it.each(VALID)('both accept %s', (_name, _family, text) => {
    expect(promtoolParseErrorLine(text)).toBeUndefined();
    expect(parsePrometheusText(text).ok).toBe(true);
  });

  it.each(INVALID)('both reject %s at line %i', (_name, line, text) => {
    expect(promtoolParseErrorLine(text)).toBe(line);
  });
});
