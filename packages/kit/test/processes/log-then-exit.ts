// Writes LINES log lines through the kit's default (batched) stdout destination, then ends the
// way EXIT says, within the same event-loop turn, before any batch could leave on its own.
import { createLogger } from '../../src/index.js';

const logger = createLogger({ service: 'exit-test', version: '1', level: 'info' });
const lines = Number(process.env.LINES ?? 100);
for (let i = 0; i < lines; i++) logger.info({ i }, 'line');
if (process.env.EXIT === 'throw') throw new Error('crash after logging');
process.exit(0);
