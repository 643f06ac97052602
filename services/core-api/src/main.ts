import { runService } from '@bulwark/kit';
import { buildCoreApi } from './app.js';

await runService(() =>
  buildCoreApi({
    ledgerUrl: process.env.BULWARK_LEDGER_URL || undefined,
    toolGateUrl: process.env.BULWARK_TOOL_GATE_URL || undefined,
  }),
);
