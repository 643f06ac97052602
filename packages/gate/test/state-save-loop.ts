/**
 * Child process for state-write-is-atomic.test.ts: saves states 1, 2, 3, ... in a loop and
 * prints "saved N" after each, until it is killed. Each state's content is derived from its
 * counter, so the test can tell a whole state from a mix of two.
 */
import { type GateState, saveGateState } from '../src/state/gate-state.js';

/** Big enough that a write takes many syscalls, so a kill can land in the middle of one. */
const BUNDLE_BYTES = 128 * 1024;

export function stateNumber(counter: number): GateState {
  return {
    gate: 'gate-a',
    mode: counter % 2 === 0 ? 'PUB' : 'WORK',
    counter,
    enteredAt: new Date(counter * 1000).toISOString(),
    policyVersion: counter,
    policyDigest: (counter % 16).toString(16).repeat(64),
    bundle: Buffer.alloc(BUNDLE_BYTES, counter % 251).toString('base64'),
    nonces: [
      { nonce: counter.toString(16).padStart(32, '0'), expiresAt: new Date(0).toISOString() },
    ],
  };
}

const dir = process.env.STATE_SAVE_LOOP_DIR;
if (dir) {
  let counter = Number(process.env.STATE_SAVE_LOOP_START ?? '1');
  for (;;) {
    await saveGateState(dir, stateNumber(counter));
    process.stdout.write(`saved ${counter}\n`);
    counter++;
  }
}
