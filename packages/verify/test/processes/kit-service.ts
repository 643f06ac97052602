/**
 * One healthy kit service on PORT (fixture-services.ts), run as production runs it.
 * TEST_PID_FILE: its process id is written there once started (for the shutdown drill).
 */
import { writeFileSync } from 'node:fs';
import { runService } from '@bulwark/kit';
import { fixtureService } from './fixture-services.js';

await runService(() => {
  const service = fixtureService(undefined);
  service.onStartup('announce', () => {
    if (process.env.TEST_PID_FILE) writeFileSync(process.env.TEST_PID_FILE, `${process.pid}\n`);
  });
  return service;
});
