import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContractConfig } from '@bulwark/contract';
import { Agent, request } from 'undici';
import { UsageError } from '../exit-codes.js';
import { devCredentialsDir, resolveStack } from '../stack/resolve-stack.js';
import { loadStackFile } from '../stack/stack-file.js';
import { contractServices, type GeneratedDocument } from './generate-documents.js';

/** Where every kit service serves its document. */
const OPENAPI_PATH = '/openapi.json';
/** A generated document of a large API runs to megabytes; beyond this it is not one. */
const DOCUMENT_LIMIT = 16 * 1_048_576;
const FETCH_TIMEOUT_MS = 10_000;

/**
 * The documents the running stack serves (`bulwark up`): each service's /openapi.json at its
 * stack URL, HTTPS trusted through the stack's development CA. The text is the service's own
 * answer, so `check --live` compares what runs, not what the code would generate.
 */
export async function fetchLiveDocuments(options: {
  readonly root: string;
  readonly config: ContractConfig;
  readonly only?: readonly string[];
  readonly onProgress?: (message: string) => void;
}): Promise<GeneratedDocument[]> {
  const { root, config } = options;
  const { stackFile, names } = await contractServices(root, config, options.only);
  const stack = await loadStackFile(stackFile);
  const byName = new Map(resolveStack(stack, root).map((s) => [s.name, s]));
  const ca = await readFile(join(devCredentialsDir(stack, root), 'ca.pem'), 'utf8').catch(
    () => undefined,
  );
  const agent = new Agent({ connect: ca === undefined ? {} : { ca } });
  try {
    const documents: GeneratedDocument[] = [];
    for (const name of names) {
      const url = new URL(OPENAPI_PATH, byName.get(name)?.url);
      options.onProgress?.(`GET ${url.href}`);
      documents.push({ service: name, ...(await fetchDocument(name, url, agent)) });
    }
    return documents;
  } finally {
    await agent.close();
  }
}

async function fetchDocument(
  service: string,
  url: URL,
  dispatcher: Agent,
): Promise<Omit<GeneratedDocument, 'service'>> {
  let text: string;
  try {
    const answer = await request(url, {
      dispatcher,
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
    const length = Number(answer.headers['content-length'] ?? 0);
    if (answer.statusCode !== 200 || length > DOCUMENT_LIMIT) {
      await answer.body.dump();
      throw new UsageError(
        `${service}: ${url.href} answered ${answer.statusCode}${length > DOCUMENT_LIMIT ? ' with more than 16 MiB' : ''}; is the stack running (bulwark up)?`,
      );
    }
    text = await answer.body.text();
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(
      `${service}: cannot read ${url.href} (${(error as Error).message}); is the stack running (bulwark up)?`,
    );
  }
  try {
    const document = JSON.parse(text) as Record<string, unknown>;
    // The snapshot's form: pretty JSON and a final newline, so an unchanged API compares equal.
    return { text: `${JSON.stringify(document, null, 2)}\n`, document };
  } catch {
    throw new UsageError(`${service}: ${url.href} did not answer JSON`);
  }
}
