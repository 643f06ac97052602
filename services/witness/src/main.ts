import { runService } from '@bulwark/kit';
import { openWitnessService } from './open.js';

// PORT defaults to 8082: beside core-api (8080) and the ledger (8081) in the local stack.
await runService(() => openWitnessService({ ...process.env, PORT: process.env.PORT ?? '8082' }));
