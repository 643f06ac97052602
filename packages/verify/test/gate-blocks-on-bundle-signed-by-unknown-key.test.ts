import { describe, expect, it } from 'vitest';
import { decideGate } from '../src/gate/decide.js';
import { ONE_HOUR_LATER, testKeys, writtenBundle } from './evidence-fixtures.js';

describe('gate blocks on a bundle signed by an unknown key', () => {
  it('blocks evidence whose signing key is not in the trusted keyring', async () => {
    const trusted = await testKeys('release');
    const stranger = await testKeys('laptop');
    const { root, plan } = await writtenBundle({}, stranger);
    const decision = await decideGate({
      plan,
      gateName: 'staging',
      evidenceRoot: root,
      keyring: trusted.keyring,
      now: ONE_HOUR_LATER,
    });
    expect(decision.ok).toBe(false);
    expect(decision.blockers).toEqual([
      {
        code: 'unknown-key',
        message: 'bundle.json: signed by laptop/v1, which is not in the trusted keyring',
      },
    ]);
  });

  it('blocks a signature by another key pair claiming a trusted key id', async () => {
    const trusted = await testKeys('release');
    const impostor = await testKeys('release'); // release/v1 too, but another key pair
    const { root, plan } = await writtenBundle({}, impostor);
    const decision = await decideGate({
      plan,
      gateName: 'staging',
      evidenceRoot: root,
      keyring: trusted.keyring,
      now: ONE_HOUR_LATER,
    });
    expect(decision.blockers).toEqual([
      { code: 'bad-signature', message: 'bundle.json: signature by release/v1 does not verify' },
    ]);
  });
});
