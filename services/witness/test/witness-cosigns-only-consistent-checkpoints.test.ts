/**
 * The witness service speaks C2SP tlog-witness: it cosigns a checkpoint only when the log's key
 * signed it, the old size is what it holds and the consistency proof leads from there; it
 * answers 409 with its size, 403, 404, 422 and 400 as the spec says; and it serves what it
 * cosigned to verifiers, each note with a cosignature/v1 line that verifies with its key.
 */
import {
  formatCheckpoint,
  HttpWitness,
  Ledger,
  noteKeyOf,
  openDriver,
  parseNote,
  signNote,
  UntrustedWitnessAnswerError,
  verifyCosignature,
  WitnessConflictError,
  WitnessRejectedError,
} from '@bulwark/ledger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningWitness, startWitness, testLogSigner } from './helpers/witness.js';

const ORIGIN = 'bulwark.test/witnessed-log';
const logSigner = testLogSigner();
const logKey = noteKeyOf(ORIGIN, logSigner);

async function post(url: string, body: string) {
  const response = await fetch(`${url}/add-checkpoint`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body,
  });
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    text: await response.text(),
  };
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

describe('witness service (C2SP tlog-witness)', () => {
  let witness: RunningWitness;
  let ledger: Ledger;
  let client: HttpWitness;

  beforeAll(async () => {
    witness = await startWitness(ORIGIN, logKey);
    client = new HttpWitness({
      url: witness.url,
      origin: ORIGIN,
      logKeys: [logKey],
      witnessKeys: [witness.cosignerKey],
    });
    ledger = await Ledger.open(await openDriver('memory://'), {
      origin: ORIGIN,
      signer: logSigner,
      witnesses: [client],
    });
  });

  afterAll(async () => {
    await ledger?.close();
    await witness?.stop();
  });

  const append = (n: number) =>
    ledger.appendBatch(
      Array.from({ length: n }, (_, i) => ({
        stream: 'orders',
        kind: 'created',
        actor: 'svc',
        payload: { i },
      })),
    );

  it('cosigns checkpoints as the log grows and serves them back, smallest first', async () => {
    await append(5);
    const first = await ledger.checkpoint();
    await append(4);
    const second = await ledger.checkpoint();

    const held = await client.list();
    expect(held.map((c) => c.size)).toEqual([first.size, second.size]);
    for (const c of held) {
      const cosigned = verifyCosignature(c.note, [witness.cosignerKey]);
      expect(cosigned.signedBy.name).toBe('witness.test/w1');
      expect(Math.abs(cosigned.timestamp - Date.now() / 1000)).toBeLessThan(600);
    }
    expect((await client.latest())?.size).toBe(second.size);

    const latest = await fetch(
      `${witness.url}/v1/witness/${encodeURIComponent(ORIGIN)}/checkpoints/latest`,
    );
    expect(latest.headers.get('content-type')).toMatch(/^text\/plain/);
    const note = await latest.text();
    expect(parseNote(note).body).toBe(parseNote(second.note).body);
  });

  it('answers a stale old size with 409 and the size it holds (text/x.tlog.size)', async () => {
    const latest = await ledger.latestCheckpoint();
    const answer = await post(witness.url, `old 1\n\n${latest?.note}`);
    expect(answer.status).toBe(409);
    expect(answer.type).toMatch(/^text\/x\.tlog\.size/);
    expect(answer.text).toBe(`${latest?.size}\n`);

    // The client reports it as a conflict carrying the witness's size.
    const error = await client.submit(latest?.note as string, [], 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WitnessConflictError);
    expect((error as WitnessConflictError).size).toBe(latest?.size);
  });

  it('refuses a checkpoint the log key did not sign with 403', async () => {
    const head = await ledger.head();
    const forged = await signNote(
      formatCheckpoint({ origin: ORIGIN, size: head.size, root: head.root }),
      ORIGIN,
      testLogSigner(),
    );
    const held = (await client.latest())?.size;
    const answer = await post(witness.url, `old ${held}\n\n${forged}`);
    expect(answer.status).toBe(403);
    expect(answer.type).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(answer.text)).toMatchObject({ code: 'WITNESS_BAD_LOG_SIGNATURE' });
    expect(JSON.parse(answer.text).errorId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a proof that does not lead from what it holds with 422, and keeps what it holds', async () => {
    await append(3);
    const head = await ledger.head();
    const note = await signNote(
      formatCheckpoint({ origin: ORIGIN, size: head.size, root: head.root }),
      ORIGIN,
      logSigner,
    );
    const held = (await client.latest())?.size as number;
    const wrong = (await ledger.consistencyProof(1, head.size)).proof;
    const answer = await post(witness.url, `old ${held}\n${wrong.map(b64).join('\n')}\n\n${note}`);
    expect(answer.status).toBe(422);
    expect(JSON.parse(answer.text)).toMatchObject({ code: 'WITNESS_BAD_PROOF' });
    expect((await client.latest())?.size).toBe(held);

    // A fork: the same size with another root is a 409.
    const fork = await signNote(
      formatCheckpoint({ origin: ORIGIN, size: held, root: new Uint8Array(32).fill(7) }),
      ORIGIN,
      logSigner,
    );
    expect((await post(witness.url, `old ${held}\n\n${fork}`)).status).toBe(409);
  });

  it('answers an unknown origin with 404 and malformed requests with 400 problem+json', async () => {
    const other = await signNote(
      formatCheckpoint({ origin: 'elsewhere.test/log', size: 0, root: new Uint8Array(32) }),
      'elsewhere.test/log',
      logSigner,
    );
    const unknown = await post(witness.url, `old 0\n\n${other}`);
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.text)).toMatchObject({ code: 'WITNESS_UNKNOWN_ORIGIN' });

    const latest = await ledger.latestCheckpoint();
    for (const body of [
      'hello',
      `old 01\n\n${latest?.note}`,
      `old 3\nnot-base64!\n\n${latest?.note}`,
      `old ${(latest?.size as number) + 1}\n\n${latest?.note}`,
      'old 0\n\n',
    ]) {
      const answer = await post(witness.url, body);
      expect(answer.status, body).toBe(400);
      expect(JSON.parse(answer.text), body).toMatchObject({ code: 'WITNESS_BAD_REQUEST' });
    }
    const json = await fetch(`${witness.url}/add-checkpoint`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(json.status).toBe(415);
    expect(json.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('makes a client with the wrong witness key refuse what the witness serves', async () => {
    const impostor = new HttpWitness({
      url: witness.url,
      origin: ORIGIN,
      witnessKeys: [{ name: 'witness.test/w1', publicKey: testLogSigner().publicKey }],
    });
    await expect(impostor.list()).rejects.toBeInstanceOf(UntrustedWitnessAnswerError);
    await expect(impostor.latest()).rejects.toThrow(/no cosignature .* verifies/);
    const stranger = new HttpWitness({ url: witness.url, origin: 'elsewhere.test/log' });
    await expect(stranger.list()).rejects.toBeInstanceOf(WitnessRejectedError);
  });

  it('remembers what it cosigned across a restart and never goes back', async () => {
    const held = (await client.latest())?.size as number;
    const dir = witness.dir;
    await witness.service.shutdown();
    witness = await startWitness(ORIGIN, logKey, { dir });
    const again = new HttpWitness({ url: witness.url, origin: ORIGIN, logKeys: [logKey] });
    expect((await again.latest())?.size).toBe(held);
    const first = (await ledger.checkpoints(1000))[0];
    const replay = await post(witness.url, `old 0\n\n${first?.note}`);
    expect(replay.status).toBe(409);
    expect(replay.text).toBe(`${held}\n`);
  });
});
