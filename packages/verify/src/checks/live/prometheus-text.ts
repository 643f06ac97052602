/**
 * A parser for the Prometheus text exposition format 0.0.4, the format prom-client serves and
 * Prometheus scrapes. It rejects what `promtool check metrics` rejects as a parse error, and
 * reports the same line (packages/cli/test/probe-prometheus-text.test.ts holds the two side by side);
 * naming and style lints are promtool's business, not a probe's.
 *
 * Written here rather than taken from npm: the one parser there (parse-prometheus-text-format)
 * has had no release in years, reports errors without a line number and reshapes histograms
 * into its own structure. A probe needs exactly two things: "which families are exposed" and
 * "the first line a scraper would reject, by number". promtool does this properly, but it is a
 * system binary that users of `bulwark probe` may not have; the kit's own tests run promtool.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  readonly timestampMs?: number;
}

export interface MetricFamily {
  readonly name: string;
  type: MetricType;
  help?: string;
  readonly samples: Sample[];
}

export type ParseResult =
  | { readonly ok: true; readonly families: ReadonlyMap<string, MetricFamily> }
  | { readonly ok: false; readonly line: number; readonly message: string };

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES: ReadonlySet<string> = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
// Decimal floats as Go's strconv.ParseFloat reads them, plus the spellings of the specials.
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL_FLOATS: ReadonlyMap<string, number> = new Map([
  ['nan', Number.NaN],
  ['inf', Number.POSITIVE_INFINITY],
  ['+inf', Number.POSITIVE_INFINITY],
  ['-inf', Number.NEGATIVE_INFINITY],
  ['infinity', Number.POSITIVE_INFINITY],
  ['+infinity', Number.POSITIVE_INFINITY],
  ['-infinity', Number.NEGATIVE_INFINITY],
]);
const INTEGER = /^-?\d+$/;
/** Longest line quoted back in an error, so a binary blob cannot flood the terminal. */
const QUOTE_LIMIT = 40;

class LineError extends Error {}

/** Parses a whole exposition; on the first bad line returns its 1-based number and why. */
export function parsePrometheusText(text: string): ParseResult {
  const families = new Map<string, MetricFamily>();
  const typed = new Set<string>();
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as string;
    try {
      if (line.trim() === '') continue;
      if (line.startsWith('#')) {
        parseComment(line, families, typed);
        continue;
      }
      const sample = parseSample(line);
      familyOf(sample.name, families).samples.push(sample);
    } catch (error) {
      if (!(error instanceof LineError)) throw error;
      return { ok: false, line: index + 1, message: `${error.message}: ${quote(line)}` };
    }
  }
  return { ok: true, families };
}

function quote(line: string): string {
  const printable = line.replace(/[^\x20-\x7e]/g, '?');
  return JSON.stringify(
    printable.length > QUOTE_LIMIT ? `${printable.slice(0, QUOTE_LIMIT)}…` : printable,
  );
}

/** `# HELP name text` and `# TYPE name type`; any other comment is allowed and ignored. */
function parseComment(line: string, families: Map<string, MetricFamily>, typed: Set<string>): void {
  const match = /^#[ \t]+(HELP|TYPE)[ \t]+(.*)$/.exec(line);
  if (!match) return;
  const [, keyword, rest = ''] = match;
  const name = METRIC_NAME.exec(rest)?.[0];
  if (
    name === undefined ||
    (rest.length > name.length && !/^[ \t]/.test(rest.slice(name.length)))
  ) {
    throw new LineError(`# ${keyword} needs a valid metric name`);
  }
  const argument = rest.slice(name.length).replace(/^[ \t]+/, '');
  let family = families.get(name);
  if (keyword === 'HELP') {
    if (family?.help !== undefined) throw new LineError(`second # HELP for ${name}`);
    family ??= declare(families, name);
    family.help = unescapeHelp(argument);
    return;
  }
  const type = argument.trim();
  if (!TYPES.has(type)) throw new LineError(`unknown metric type ${JSON.stringify(type)}`);
  if (family !== undefined && family.samples.length > 0) {
    throw new LineError(`# TYPE for ${name} comes after its samples`);
  }
  if (typed.has(name)) throw new LineError(`second # TYPE for ${name}`);
  typed.add(name);
  family ??= declare(families, name);
  family.type = type as MetricType;
}

function declare(families: Map<string, MetricFamily>, name: string): MetricFamily {
  const family: MetricFamily = { name, type: 'untyped', samples: [] };
  families.set(name, family);
  return family;
}

/**
 * The family a sample belongs to: a histogram's _bucket, _sum and _count samples, and a
 * summary's _sum and _count, belong to the family declared under the base name.
 */
function familyOf(sampleName: string, families: Map<string, MetricFamily>): MetricFamily {
  const suffix = /_(bucket|sum|count)$/.exec(sampleName);
  if (suffix) {
    const base = families.get(sampleName.slice(0, -suffix[0].length));
    if (base?.type === 'histogram') return base;
    if (base?.type === 'summary' && suffix[1] !== 'bucket') return base;
  }
  return families.get(sampleName) ?? declare(families, sampleName);
}

/** `name{label="value",...} value [timestamp]` */
function parseSample(line: string): Sample {
  const name = METRIC_NAME.exec(line)?.[0];
  if (name === undefined) throw new LineError('expected a metric name');
  let rest = line.slice(name.length);
  // No prototype: a label called "constructor" or "__proto__" is just a label.
  const labels: Record<string, string> = Object.create(null);
  if (rest.startsWith('{')) rest = parseLabels(rest.slice(1), labels);
  else if (!/^[ \t]/.test(rest)) throw new LineError('expected a space after the metric name');
  const fields = rest.replace(/^[ \t]+|[ \t]+$/g, '').split(/[ \t]+/);
  if (fields.length > 2) throw new LineError('unexpected text after the timestamp');
  const [valueText = '', timestampText] = fields;
  const value = parseValue(valueText);
  if (timestampText !== undefined && !INTEGER.test(timestampText)) {
    throw new LineError(`timestamp ${JSON.stringify(timestampText)} is not an integer`);
  }
  return timestampText === undefined
    ? { name, labels, value }
    : { name, labels, value, timestampMs: Number(timestampText) };
}

/** Reads labels after the opening brace into `labels`; returns the text after the closing one. */
function parseLabels(text: string, labels: Record<string, string>): string {
  let rest = text.replace(/^[ \t]+/, '');
  while (!rest.startsWith('}')) {
    const labelName = LABEL_NAME.exec(rest)?.[0];
    if (labelName === undefined) throw new LineError('expected a label name');
    rest = rest.slice(labelName.length).replace(/^[ \t]+/, '');
    if (!rest.startsWith('=')) throw new LineError(`expected = after label ${labelName}`);
    rest = rest.slice(1).replace(/^[ \t]+/, '');
    if (!rest.startsWith('"'))
      throw new LineError(`expected a quoted value for label ${labelName}`);
    const [value, after] = readQuoted(rest.slice(1));
    if (Object.hasOwn(labels, labelName)) throw new LineError(`label ${labelName} appears twice`);
    labels[labelName] = value;
    rest = after.replace(/^[ \t]+/, '');
    if (rest.startsWith(',')) rest = rest.slice(1).replace(/^[ \t]+/, '');
    else if (!rest.startsWith('}')) throw new LineError('expected , or } after a label');
  }
  return rest.slice(1);
}

/** A label value up to its closing quote, with \\, \" and \n unescaped. */
function readQuoted(text: string): [string, string] {
  let value = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"') return [value, text.slice(i + 1)];
    if (char === '\\') {
      const next = text[++i];
      if (next === '\\' || next === '"') value += next;
      else if (next === 'n') value += '\n';
      else throw new LineError('invalid escape in a label value');
    } else {
      value += char;
    }
  }
  throw new LineError('unterminated label value');
}

function parseValue(text: string): number {
  const special = SPECIAL_FLOATS.get(text.toLowerCase());
  if (special !== undefined) return special;
  if (!FLOAT.test(text)) throw new LineError(`value ${JSON.stringify(text)} is not a number`);
  return Number(text);
}

function unescapeHelp(text: string): string {
  return text.replace(/\\(\\|n)/g, (_match, escaped: string) => (escaped === 'n' ? '\n' : '\\'));
}
