import { runService } from '@bulwark/kit';
import { openMemuCore } from './open.js';

// PORT defaults to 8084: core-api 8080, ledger 8081, witness 8082, tool gate 8083.
await runService(() => openMemuCore({ ...process.env, PORT: process.env.PORT ?? '8084' }));
