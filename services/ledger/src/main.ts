import { runService } from '@bulwark/kit';
import { openLedgerService } from './open.js';

// PORT defaults to 8081 so the ledger sits beside core-api (8080) in the local stack.
await runService(() => openLedgerService({ ...process.env, PORT: process.env.PORT ?? '8081' }));
