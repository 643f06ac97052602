/**
 * The verifier's two page readers (binary COPY on PostgreSQL, the row query elsewhere) must
 * hand it byte-identical pages, and the raw-byte hash functions must hash exactly what the
 * string ones do, or a valid ledger would read as tampered (or worse, the reverse).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BYTE_FIELDS,
  CopyFormatError,
  type EntryPage,
  entryHashOf,
  FIELD,
  Ledger,
  openDriver,
  payloadHashOf,
  type SqlQueryable,
  verifyLedger,
} from '../src/index.js';
import { parseEntryCopy } from '../src/store/copy-binary.js';
import { entryPageReader, queryPageReader } from '../src/store/entry-page-reader.js';
import { PostgresDriver } from '../src/store/postgres.js';
import { asSuperuserWithoutTriggers, createTestDatabase, postgres } from './helpers/postgres.js';

/** The fields of row r as plain values, for comparing pages from different readers. */
function rowOf(page: EntryPage, r: number) {
  const field = (f: number) => {
    const at = (r * BYTE_FIELDS + f) * 2;
    return Buffer.from(page.data.subarray(page.bounds[at], page.bounds[at + 1])).toString('hex');
  };
  return {
    seq: page.seq[r],
    timeMs: page.timeMs[r],
    fields: Object.values(FIELD).map(field),
  };
}
const rowsOf = (page: EntryPage) => Array.from({ length: page.count }, (_, r) => rowOf(page, r));

/** A binary COPY stream built by hand from the manual's description. */
function copyStream(rows: { seq: bigint; micros: bigint; fields: Buffer[] }[]): Buffer {
  const parts: Buffer[] = [Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)];
  const int16 = (n: number) => {
    const b = Buffer.alloc(2);
    b.writeInt16BE(n);
    return b;
  };
  const int32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n);
    return b;
  };
  const int64 = (n: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(n);
    return b;
  };
  for (const row of rows) {
    parts.push(int16(2 + row.fields.length), int32(8), int64(row.seq), int32(8), int64(row.micros));
    for (const f of row.fields) parts.push(int32(f.length), f);
  }
  parts.push(int16(-1));
  return Buffer.concat(parts);
}

describe('binary COPY parsing', () => {
  const fields = ['s', 'k', 'a', '{"x":"ü€😀"}', 'p', 'q', 'e', ''].map((t) => Buffer.from(t));

  it('reads seq, whole-millisecond times after 2000-01-01 and each field as raw bytes', () => {
    // 2026-01-01T00:00:00.123Z is 9,497 days and 123 ms after 2000-01-01.
    const page = parseEntryCopy(copyStream([{ seq: 7n, micros: 820_540_800_123_000n, fields }]));
    expect(page.count).toBe(1);
    expect(rowOf(page, 0)).toEqual({
      seq: 7,
      timeMs: Date.parse('2026-01-01T00:00:00.123Z'),
      fields: fields.map((f) => f.toString('hex')),
    });
  });

  it('marks a time with a sub-millisecond part as not hashable (NaN)', () => {
    const page = parseEntryCopy(copyStream([{ seq: 1n, micros: 820_454_400_123_456n, fields }]));
    expect(page.timeMs[0]).toBeNaN();
  });

  it('grows past its first capacity and keeps every row', () => {
    const rows = Array.from({ length: 3000 }, (_, i) => ({
      seq: BigInt(i + 1),
      micros: 1000n * BigInt(i),
      fields,
    }));
    const page = parseEntryCopy(copyStream(rows));
    expect(page.count).toBe(3000);
    expect(page.seq[2999]).toBe(3000);
    expect(rowOf(page, 2999).fields[3]).toBe(fields[3]?.toString('hex'));
  });

  it('refuses a stream that is not the ledger columns in binary COPY format', () => {
    const good = copyStream([{ seq: 1n, micros: 0n, fields }]);
    expect(() => parseEntryCopy(Buffer.from('seq\trecorded_at\n'))).toThrow(CopyFormatError);
    expect(() => parseEntryCopy(good.subarray(0, good.length - 10))).toThrow(/ends inside a row/);
    expect(() =>
      parseEntryCopy(copyStream([{ seq: 1n, micros: 0n, fields: fields.slice(1) }])),
    ).toThrow(/9 columns, expected 10/);
    const withOids = Buffer.from(good);
    withOids.writeInt32BE(1 << 16, 11);
    expect(() => parseEntryCopy(withOids)).toThrow(/OIDs/);
  });
});

describe('raw-byte hashing', () => {
  it('hashes payloads and entries exactly as the string functions do, for non-ASCII text too', async () => {
    const driver = await openDriver('memory://');
    const ledger = await Ledger.open(driver, { origin: 'bulwark.test/raw' });
    try {
      const receipts = [];
      // Names are ASCII (prepareEntry enforces it); payloads are any JSON text.
      for (const text of ['plain', 'ü€', '😀 and \u2028']) {
        receipts.push(
          await ledger.append({
            stream: 'raw',
            kind: 'k',
            actor: `user:${text.length}`,
            payload: { text },
          }),
        );
      }
      const page = await queryPageReader(driver).read(1, 3);
      const rows = await driver.query<{
        payload: string;
        stream: string;
        kind: string;
        actor: string;
      }>('SELECT payload, stream, kind, actor FROM ledger_entries ORDER BY seq');
      for (const [r, row] of rows.entries()) {
        const hex = rowOf(page, r).fields;
        expect(hex[FIELD.payloadHash]).toBe(
          Buffer.from(payloadHashOf(row.payload)).toString('hex'),
        );
        expect(hex[FIELD.entryHash]).toBe(
          Buffer.from(
            entryHashOf({
              seq: r + 1,
              timeMs: receipts[r]?.timeMs as number,
              stream: row.stream,
              kind: row.kind,
              actor: row.actor,
              payloadHash: Buffer.from(hex[FIELD.payloadHash] as string, 'hex'),
              prevHash: Buffer.from(hex[FIELD.prevHash] as string, 'hex'),
            }),
          ).toString('hex'),
        );
      }
      expect(await ledger.verify({ pageSize: 2 })).toMatchObject({ valid: true, checked: 3 });
    } finally {
      await ledger.close();
    }
  });
});

describe.skipIf(!postgres.available)('page readers on PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let driver: PostgresDriver;
  /** The same driver without copyOut: the verifier then takes the row-query path. */
  let plain: SqlQueryable;

  beforeAll(async () => {
    db = await createTestDatabase('copy_reader');
    driver = new PostgresDriver(db.url);
    plain = { query: (t, p) => driver.query(t, p), exec: (t) => driver.exec(t) };
    const ledger = await Ledger.open(await openDriver(db.url), { origin: 'bulwark.test/copy' });
    await ledger.appendBatch(
      Array.from({ length: 40 }, (_, i) => ({
        stream: `s${i % 3}`,
        kind: 'k',
        actor: `actor:${i}`,
        payload: { i, text: 'ü€😀'.repeat(i % 4), nested: { a: [i, null, true] } },
      })),
    );
    await ledger.close();
  });
  afterAll(async () => {
    await driver?.close();
    await db?.drop();
  });

  it('binary COPY and the row query return byte-identical pages', async () => {
    const copied = await entryPageReader(driver).read(3, 37);
    const queried = await queryPageReader(driver).read(3, 37);
    expect(copied.count).toBe(35);
    expect(rowsOf(copied)).toEqual(rowsOf(queried));
    await expect(entryPageReader(plain).read(1, 0)).resolves.toMatchObject({ count: 0 });
  });

  it('a failing COPY rejects with the server error and leaves the pool usable', async () => {
    await expect(driver.copyOut('COPY no_such_table TO STDOUT (FORMAT binary)')).rejects.toThrow(
      /no_such_table/,
    );
    expect(await verifyLedger(driver)).toMatchObject({ valid: true, checked: 40 });
  });

  it('both paths verify the ledger, with pages that split it anywhere', async () => {
    for (const q of [driver, plain]) {
      for (const pageSize of [1, 7, 16, 40, 1000]) {
        expect(await verifyLedger(q, { pageSize }), `page size ${pageSize}`).toMatchObject({
          valid: true,
          checked: 40,
          head: 40,
        });
      }
    }
  });

  it('a recorded_at moved by less than a millisecond is caught at its seq on both paths', async () => {
    const copy = await createTestDatabase('copy_reader_time');
    try {
      const ledger = await Ledger.open(await openDriver(copy.url), { origin: 'bulwark.test/copy' });
      for (let i = 0; i < 5; i++)
        await ledger.append({ stream: 's', kind: 'k', actor: 'a', payload: { i } });
      await ledger.close();
      await asSuperuserWithoutTriggers(copy.url, (c) =>
        c.query(
          "UPDATE ledger_entries SET recorded_at = recorded_at + interval '1 microsecond' WHERE seq = 3",
        ),
      );
      const tampered = new PostgresDriver(copy.url);
      try {
        const plainTampered: SqlQueryable = {
          query: (t, p) => tampered.query(t, p),
          exec: (t) => tampered.exec(t),
        };
        for (const q of [tampered, plainTampered]) {
          expect(await verifyLedger(q)).toMatchObject({
            valid: false,
            firstBadSeq: 3,
            checked: 2,
            reason: 'entry 3: the entry hash does not match its fields',
          });
        }
      } finally {
        await tampered.close();
      }
    } finally {
      await copy.drop();
    }
  });
});
