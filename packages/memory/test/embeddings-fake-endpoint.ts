import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { LocalHashEmbeddingProvider } from '../src/embeddings/index.js';
import { rng } from './fixtures/vectors.js';

/**
 * A real OpenAI-compatible embeddings server on an ephemeral port, standing in for the CPU and
 * the "GPU" endpoints. Its reference model is the local feature hash, so a test can compute the
 * exact vector the CPU side should give; `answer` bends the reply in the ways endpoints go wrong.
 */
export type FakeBehaviour =
  | 'reference'
  | 'perturbed'
  | 'garbage'
  | 'reversed'
  | 'wrong-dimension'
  | 'nan-bare'
  | 'null-value'
  | 'missing-item'
  | 'duplicate-index'
  | 'not-json'
  | 'status-500'
  | 'echo-auth-500';

export interface ReceivedRequest {
  url: string;
  authorization: string | undefined;
  idempotencyKey: string | undefined;
  body: { model?: string; input?: string[]; dimensions?: number };
}

export interface FakeEndpoint {
  readonly url: string;
  readonly received: ReceivedRequest[];
  behaviour: FakeBehaviour;
  /** Answer this many requests with 503 before behaving (a retry test). */
  failFirst: number;
  /** Delay before each answer, ms. */
  delayMs: number;
  close(): Promise<void>;
}

const reference = new LocalHashEmbeddingProvider();

export function referenceVector(text: string): Float32Array {
  return reference.embedOne(text);
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

function seedOf(text: string): number {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619);
  return hash >>> 0;
}

/**
 * The reference vector plus Gaussian noise of σ = 0.00512 per dimension: for a unit vector in 384
 * dimensions the expected cosine is 1/√(1 + 384σ²) ≈ 0.995, a GPU build of the same model.
 */
export function perturbedVector(text: string): number[] {
  const random = rng(seedOf(text));
  return [...referenceVector(text)].map((x) => x + 0.00512 * gaussian(random));
}

/** Unrelated to the text's reference vector: a broken GPU build. */
export function garbageVector(text: string): number[] {
  const random = rng(seedOf(text) ^ 0xdeadbeef);
  return Array.from({ length: 384 }, () => gaussian(random));
}

function answerFor(behaviour: FakeBehaviour, input: string[]): { status: number; body: string } {
  const item = (embedding: unknown, index: number) => ({ object: 'embedding', index, embedding });
  const ok = (data: unknown[]) => ({
    status: 200,
    body: JSON.stringify({ object: 'list', data, model: 'fake', usage: { prompt_tokens: 1 } }),
  });
  switch (behaviour) {
    case 'reference':
      return ok(input.map((t, i) => item([...referenceVector(t)], i)));
    case 'perturbed':
      return ok(input.map((t, i) => item(perturbedVector(t), i)));
    case 'garbage':
      return ok(input.map((t, i) => item(garbageVector(t), i)));
    case 'reversed':
      return ok(input.map((t, i) => item([...referenceVector(t)], i)).reverse());
    case 'wrong-dimension':
      return ok(input.map((t, i) => item([...referenceVector(t)].slice(0, 383), i)));
    case 'nan-bare': {
      // What Python's json.dumps writes for float('nan').
      const vectors = input.map((t) => [...referenceVector(t)]);
      const data = vectors.map(
        (v, i) => `{"index":${i},"embedding":[NaN,${v.slice(1).join(',')}]}`,
      );
      return { status: 200, body: `{"object":"list","data":[${data.join(',')}]}` };
    }
    case 'null-value':
      return ok(input.map((t, i) => item([null, ...[...referenceVector(t)].slice(1)], i)));
    case 'missing-item':
      return ok(input.slice(1).map((t, i) => item([...referenceVector(t)], i + 1)));
    case 'duplicate-index':
      return ok(input.map((t) => item([...referenceVector(t)], 0)));
    case 'not-json':
      return { status: 200, body: '<html>proxy error</html>' };
    case 'status-500':
      return { status: 500, body: JSON.stringify({ error: { message: 'CUDA out of memory' } }) };
    case 'echo-auth-500':
      return { status: 500, body: '' };
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakeEndpoint(
  behaviour: FakeBehaviour = 'reference',
): Promise<FakeEndpoint> {
  const { endpoint, listen } = fakeEndpoint(behaviour);
  await listen();
  return endpoint;
}

/**
 * A fake endpoint for every test of the calling file: it listens before the file's first test
 * (its url is '' until then) and closes after the last. After each test it forgets the requests
 * it received and is reset to `behaviour`, with no failFirst and no delay, so a test may bend it
 * without putting it back.
 */
export function fakeEndpointForFile(behaviour: FakeBehaviour = 'reference'): FakeEndpoint {
  const { endpoint, listen } = fakeEndpoint(behaviour);
  beforeAll(listen);
  afterAll(() => endpoint.close());
  afterEach(() => {
    endpoint.received.length = 0;
    endpoint.behaviour = behaviour;
    endpoint.failFirst = 0;
    endpoint.delayMs = 0;
  });
  return endpoint;
}

function fakeEndpoint(behaviour: FakeBehaviour): {
  endpoint: FakeEndpoint;
  listen: () => Promise<void>;
} {
  const received: ReceivedRequest[] = [];
  const endpoint: FakeEndpoint = {
    url: '',
    received,
    behaviour,
    failFirst: 0,
    delayMs: 0,
    close: async () => {
      if (!server.listening) return;
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
  const server: Server = createServer(async (request, response) => {
    const text = await readBody(request);
    let body: ReceivedRequest['body'] = {};
    try {
      body = JSON.parse(text) as ReceivedRequest['body'];
    } catch {}
    received.push({
      url: request.url ?? '',
      authorization: request.headers.authorization,
      idempotencyKey: request.headers['idempotency-key'] as string | undefined,
      body,
    });
    if (endpoint.delayMs > 0) await new Promise((r) => setTimeout(r, endpoint.delayMs));
    if (endpoint.failFirst > 0) {
      endpoint.failFirst--;
      response.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"warming up"}');
      return;
    }
    const answer =
      endpoint.behaviour === 'echo-auth-500'
        ? { status: 500, body: `bad key ${request.headers.authorization ?? ''}` }
        : answerFor(endpoint.behaviour, body.input ?? []);
    response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  });
  const listen = async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    (endpoint as { url: string }).url =
      `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  return { endpoint, listen };
}

/** A URL where nothing listens: a port taken and released. */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  server.close();
  await once(server, 'close');
  return `http://127.0.0.1:${port}`;
}
