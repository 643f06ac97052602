#!/usr/bin/env node
// Runs the TypeScript sources directly (workspace packages export src/*.ts): tsx is registered
// for this process only, resolved from this file so the command works from any directory.
import { register } from 'tsx/esm/api';

register();
// A reader that stops early (`bulwark plan import x.md | head`) closes the pipe: that is the
// reader's choice, not a failure to report with a stack trace, as other Unix tools treat it.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
