#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build`, which `npm install` runs). Under the
// `@bulwark/source` condition (the repository's tests set it) `#main` names the TypeScript
// sources instead, and tsx is registered for this process only.
import { existsSync } from 'node:fs';

const entry = import.meta.resolve('#main');
if (entry.endsWith('.ts')) (await import('tsx/esm/api')).register();
// A reader that stops early (`bulwark plan import x.md | head`) closes the pipe: that is the
// reader's choice, not a failure to report with a stack trace, as other Unix tools treat it.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}
if (!existsSync(new URL(entry))) {
  process.stderr.write('bulwark: not built yet: run `npm run build` (npm install runs it)\n');
  process.exit(2);
}
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2));
