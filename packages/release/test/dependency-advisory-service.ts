import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/**
 * A stand-in for npm's registry that answers from recordings: the advisory service's bulk
 * endpoint (`POST /-/npm/v1/security/advisories/bulk`) with a recorded answer or an error status,
 * and the packuments npm reads to say which version fixes an advisory. Tests never reach the
 * network; npm itself is real.
 */
export interface AdvisoryService {
  /** `http://127.0.0.1:<port>/`, for `--registry`. */
  readonly registry: string;
  /** The package versions npm asked about, one body per bulk request. */
  readonly bulkRequests: Array<Record<string, string[]>>;
  /** Requests the recordings had no answer for (`METHOD /path`). */
  readonly unanswered: string[];
  close(): Promise<void>;
}

export const FIXTURES = new URL('./fixtures/dependencies/', import.meta.url);
const BULK_PATH = '/-/npm/v1/security/advisories/bulk';

/** Serves `advisories/<recording>.json` to bulk requests, or answers them with `status`. */
export async function startAdvisoryService(
  answer: { readonly recording: string } | { readonly status: number },
): Promise<AdvisoryService> {
  const bulkRequests: Array<Record<string, string[]>> = [];
  const unanswered: string[] = [];
  const server = createServer(async (request, response) => {
    const body = await bodyOf(request);
    const path = request.url ?? '/';
    if (request.method === 'POST' && path === BULK_PATH) {
      bulkRequests.push(JSON.parse(body.toString('utf8')));
      if ('status' in answer) {
        response.writeHead(answer.status).end();
        return;
      }
      const recorded = await readFile(new URL(`advisories/${answer.recording}.json`, FIXTURES));
      response.writeHead(200, { 'content-type': 'application/json' }).end(recorded);
      return;
    }
    const packument = request.method === 'GET' ? await recordedPackument(path) : undefined;
    if (packument) {
      // no-store: npm keeps nothing from this throwaway registry in the user's cache.
      response
        .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(packument);
      return;
    }
    unanswered.push(`${request.method} ${path}`);
    response.writeHead(404, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    registry: `http://127.0.0.1:${port}/`,
    bulkRequests,
    unanswered,
    close: () => closeServer(server),
  };
}

async function bodyOf(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  // npm gzips the bulk request.
  return request.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
}

async function recordedPackument(path: string): Promise<Buffer | undefined> {
  const name = decodeURIComponent(path.slice(1));
  if (!/^[a-z0-9-]+$/.test(name)) return undefined;
  return readFile(new URL(`packuments/${name}.json`, FIXTURES)).catch(() => undefined);
}

function closeServer(server: Server): Promise<void> {
  // npm keeps its connections alive; close them rather than wait for their timeout.
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A copy of the fixture project in its own temp dir, with an optional waivers file. */
export async function fixtureProject(waivers?: string): Promise<{
  root: string;
  waiversFile: string;
  remove(): Promise<void>;
}> {
  const root = await mkdtemp(join(tmpdir(), 'bw-deps-'));
  await cp(new URL('app/', FIXTURES), root, { recursive: true });
  const waiversFile = join(root, '.bulwark', 'release', 'dependency-waivers.yaml');
  if (waivers !== undefined) {
    await mkdir(dirname(waiversFile), { recursive: true });
    await writeFile(waiversFile, waivers);
  }
  return { root, waiversFile, remove: () => rm(root, { recursive: true, force: true }) };
}
