#!/usr/bin/env node
// Runs the TypeScript sources directly (workspace packages export src/*.ts): tsx is registered
// for this process only, resolved from this file so the command works from any directory.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
