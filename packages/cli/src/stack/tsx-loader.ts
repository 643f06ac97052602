import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * The loader a stack service's entry runs under (`node --import <tsxLoader> entry.ts`): stack
 * entries are TypeScript sources, and tsx is the CLI's own dependency, so it is resolved from
 * here rather than from wherever the user's project happens to have one.
 */
export const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
