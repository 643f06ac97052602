/**
 * How long the compiled `bulwark` takes to answer, against `node -e 0` (Node's own start) in the
 * same run: each command is started `--runs` times in turn, interleaved, and the medians are
 * compared. The target is `bulwark --help` under 0.3 s.
 *
 *   npm run build && npm run bench:cli [-- --runs 20]
 *
 * The CLI runs from dist/ exactly as an installed one would: NODE_OPTIONS is cleared, so the
 * repository's `@bulwark/source` condition (TypeScript sources under tsx) is not in play.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' } } });
const runs = Number(values.runs);
const bin = fileURLToPath(new URL('../packages/cli/bin/bulwark.mjs', import.meta.url));
if (!existsSync(fileURLToPath(new URL('../packages/cli/dist/main.js', import.meta.url)))) {
  process.stderr.write('bench:cli: packages/cli/dist is missing: run `npm run build` first\n');
  process.exit(2);
}

const env = { ...process.env, NODE_OPTIONS: '' };
const cases: Array<[string, string[]]> = [
  ['node -e 0 (baseline)', ['-e', '0']],
  ['bulwark --version', [bin, '--version']],
  ['bulwark --help', [bin, '--help']],
  ['bulwark release --help', [bin, 'release', '--help']],
  ['bulwark audit --help', [bin, 'audit', '--help']],
  ['bulwark verify --help', [bin, 'verify', '--help']],
];

const samples = new Map<string, number[]>(cases.map(([name]) => [name, []]));
for (let run = 0; run < runs; run += 1) {
  for (const [name, args] of cases) {
    const started = performance.now();
    const result = spawnSync(process.execPath, args, { env, stdio: 'ignore' });
    const elapsed = performance.now() - started;
    if (result.status !== 0) {
      process.stderr.write(`bench:cli: ${name} exited ${result.status}\n`);
      process.exit(1);
    }
    samples.get(name)?.push(elapsed);
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const baseline = median(samples.get(cases[0]?.[0] ?? '') ?? []);
console.log(`bench:cli — median of ${runs} runs each, Node ${process.version}`);
console.log('command'.padEnd(26), 'median ms'.padStart(10), 'vs node -e 0'.padStart(14));
for (const [name] of cases) {
  const ms = median(samples.get(name) ?? []);
  console.log(
    name.padEnd(26),
    ms.toFixed(0).padStart(10),
    `${(ms / baseline).toFixed(2)}x`.padStart(14),
  );
}
const help = median(samples.get('bulwark --help') ?? []);
console.log(
  `target: bulwark --help < 300 ms: ${help < 300 ? 'met' : 'missed'} (${help.toFixed(0)} ms)`,
);
