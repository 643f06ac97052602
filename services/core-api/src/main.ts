import { databaseUrlFromEnv } from '@bulwark/db';
import { runService } from '@bulwark/kit';
import { buildCoreApi } from './app.js';

await runService(() =>
  buildCoreApi({
    ledgerUrl: process.env.BULWARK_LEDGER_URL || undefined,
    toolGateUrl: process.env.BULWARK_TOOL_GATE_URL || undefined,
    // DATABASE_URL, else PGlite in BULWARK_CORE_API_DATA_DIR (default ./.bulwark/state/core-api).
    database: databaseUrlFromEnv('core-api'),
  }),
);
