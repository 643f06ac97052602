import { runService } from '@bulwark/kit';
import { openToolGateService } from './open.js';

// PORT defaults to 8083: core-api 8080, ledger 8081, witness 8082 in the local stack.
await runService(() => openToolGateService({ ...process.env, PORT: process.env.PORT ?? '8083' }));
