import { runService } from '@bulwark/kit';
import { openConfigRegistry } from './open.js';

// PORT defaults to 8085: core-api 8080, ledger 8081, witness 8082, tool gate 8083, memu-core 8084.
await runService(() => openConfigRegistry({ ...process.env, PORT: process.env.PORT ?? '8085' }));
