import pg from 'pg';

/**
 * Whether the PostgreSQL database at `url` can have pgvector: '' when it can, otherwise the
 * reason, `pgvector is not installed on this PostgreSQL (CREATE EXTENSION vector: <message>)`,
 * for a test to skip with. It probes `CREATE EXTENSION IF NOT EXISTS vector` and, where the probe
 * created the extension, drops it again, so the database is left as it was found (a test that
 * needs the extension creates it itself, e.g. through openDatabase's `extensions: ['vector']`).
 *
 * This skip is the one allowed under BULWARK_REQUIRE_SYSTEM=1: the machine's PostgreSQL 15 has no
 * pgvector (Debian's PostgreSQL packages reachable here ship none), while the PostgreSQL server
 * itself is still required. A server that cannot be reached is an error, never a skip.
 */
export async function pgvectorMissing(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_extension WHERE extname = 'vector'");
    if (found.rowCount) return '';
    try {
      await client.query('CREATE EXTENSION IF NOT EXISTS vector');
    } catch (error) {
      return `pgvector is not installed on this PostgreSQL (CREATE EXTENSION vector: ${(error as Error).message})`;
    }
    await client.query('DROP EXTENSION vector');
    return '';
  } finally {
    await client.end();
  }
}
