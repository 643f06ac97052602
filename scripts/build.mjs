// Builds every workspace package to dist/: `tsc -b` over the project references (incremental,
// about a second when nothing changed), then copies the files that are not TypeScript (the
// HTML report's stylesheet and script) beside the JavaScript that reads them. Plain JavaScript,
// so it runs from `prepare` before anything else is built.
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const built = spawnSync(process.execPath, [tsc, '-b', join(root, 'tsconfig.build.json')], {
  stdio: 'inherit',
});
if (built.status !== 0) process.exit(built.status ?? 1);

for (const group of ['packages', 'services']) {
  for (const name of readdirSync(join(root, group))) {
    cpSync(join(root, group, name, 'src'), join(root, group, name, 'dist'), {
      recursive: true,
      // Only the package's own files: no TypeScript, nothing linked in from elsewhere.
      filter: (path) => !path.endsWith('.ts') && !path.includes('node_modules'),
    });
  }
}
