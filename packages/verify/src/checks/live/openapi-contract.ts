import { isAbsolute, join } from 'node:path';
import {
  type ContractDiff,
  ContractError,
  diffContracts,
  type LoadedDocument,
  loadOpenApiDocument,
} from '@bulwark/contract';
import { type Static, Type } from '@sinclair/typebox';
import type { CheckOutcome, CheckPlugin } from '../check.js';
import { aborted } from '../outcomes.js';
import { describeBody } from './answer.js';
import { jsonArtifact } from './evidence.js';
import { type ServiceTarget, serviceTarget, targetVersionOf } from './service-target.js';

/** Where every kit service serves its document (@bulwark/kit's openapi/). */
export const OPENAPI_PATH = '/openapi.json';
/** Generated documents of large APIs run to megabytes; beyond this one is not a contract. */
const DOCUMENT_LIMIT = 16 * 1_048_576;
/** How many of a mismatch's changes the summary names; the artifact holds them all. */
const SHOWN_CHANGES = 3;

const KINDS = ['http', 'ledger', 'tool-gate'] as const;

export const OpenApiServedParams = Type.Object({}, { additionalProperties: false });
export type OpenApiServedParamsValue = Static<typeof OpenApiServedParams>;

export const OpenApiSnapshotParams = Type.Object(
  {
    /** The snapshot, relative to the plan's directory; default `openapi/<service>.json`. */
    snapshot: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
  },
  { additionalProperties: false },
);
export type OpenApiSnapshotParamsValue = Static<typeof OpenApiSnapshotParams>;

type Served =
  | { kind: 'served'; loaded: LoadedDocument }
  | { kind: 'failed'; outcome: CheckOutcome };

/** GET /openapi.json, parsed, `$ref`s resolved and, with `validate`, checked against the schema. */
async function fetchServed(
  target: ServiceTarget,
  progress: (message: string) => void,
  validate: boolean,
): Promise<Served> {
  progress(`GET ${OPENAPI_PATH}`);
  const exchange = await target.client.get(target.url(OPENAPI_PATH), {
    headers: { accept: 'application/json' },
    maxBodyBytes: DOCUMENT_LIMIT,
    signal: target.signal,
  });
  const fail = (summary: string): Served => ({
    kind: 'failed',
    outcome: { status: 'fail', summary: `${OPENAPI_PATH}: ${summary}` },
  });
  if (exchange.kind === 'failure') return fail(exchange.message);
  if (exchange.status !== 200) {
    return fail(`${exchange.status} ${describeBody(exchange.body)}`.trimEnd());
  }
  let document: unknown;
  try {
    document = JSON.parse(exchange.body);
  } catch {
    return fail('the answer is not JSON');
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    return fail('the answer is not a JSON object');
  }
  try {
    const label = `${target.service.name}${OPENAPI_PATH}`;
    return { kind: 'served', loaded: await loadOpenApiDocument({ label, document }, { validate }) };
  } catch (error) {
    if (error instanceof ContractError) return fail(error.message);
    throw error;
  }
}

function operationCount(document: unknown): number {
  const paths = (document as { paths?: Record<string, Record<string, unknown>> }).paths ?? {};
  const methods = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);
  return Object.values(paths).reduce(
    (sum, item) => sum + Object.keys(item ?? {}).filter((key) => methods.has(key)).length,
    0,
  );
}

/**
 * The service serves its OpenAPI document at /openapi.json, and the document is a valid
 * OpenAPI 3.x document whose `$ref`s all resolve: what clients and the contract check read.
 */
export const openApiServedCheck: CheckPlugin<OpenApiServedParamsValue> = {
  id: 'openapi.served',
  description: 'the service serves a valid OpenAPI 3.x document at /openapi.json',
  params: OpenApiServedParams,
  scope: 'service',
  kinds: KINDS,
  async run(_params, ctx) {
    const target = serviceTarget('openapi.served', ctx);
    const served = await fetchServed(target, ctx.progress, true);
    if (ctx.signal.aborted) return aborted();
    if (served.kind === 'failed') return served.outcome;
    const { summary, document } = served.loaded;
    const paths = Object.keys((document as { paths?: object }).paths ?? {}).length;
    const operations = operationCount(document);
    const version = await targetVersionOf(target);
    return {
      status: 'pass',
      summary: `OpenAPI ${summary.openapi} document served and valid: ${paths} paths, ${operations} operations, API version ${summary.version}`,
      measurements: { openapi: summary.openapi, apiVersion: summary.version, paths, operations },
      ...(version === undefined ? {} : { targetVersion: version }),
    };
  },
};

/**
 * The running service's API is the one its snapshot describes: the served document and the
 * snapshot in the repository differ in nothing the contract diff can see. A difference at any
 * level fails, since either the service runs other code than the repository's, or the snapshot
 * is stale; the classified changes are kept as evidence.
 */
export const openApiSnapshotCheck: CheckPlugin<OpenApiSnapshotParamsValue> = {
  id: 'openapi.snapshot',
  description: "the running service's OpenAPI document matches its snapshot in the repository",
  params: OpenApiSnapshotParams,
  scope: 'service',
  kinds: KINDS,
  async run(params, ctx) {
    const target = serviceTarget('openapi.snapshot', ctx);
    const file = params.snapshot ?? `openapi/${target.service.name}.json`;
    const path = isAbsolute(file) ? file : join(ctx.planDir, file);
    let snapshot: LoadedDocument;
    try {
      snapshot = await loadOpenApiDocument(path);
    } catch (error) {
      if (error instanceof ContractError) return { status: 'fail', summary: error.message };
      throw error;
    }
    const served = await fetchServed(target, ctx.progress, false);
    if (ctx.signal.aborted) return aborted();
    if (served.kind === 'failed') return served.outcome;
    const diff = diffContracts(snapshot, served.loaded);
    const version = await targetVersionOf(target);
    const evidence = {
      measurements: { ...diff.counts, changes: diff.changes.length },
      artifacts: [jsonArtifact('contract-diff.json', diff)],
      ...(version === undefined ? {} : { targetVersion: version }),
    };
    if (diff.changes.length === 0) {
      return {
        status: 'pass',
        summary: `matches ${file} (API version ${diff.new.version})`,
        ...evidence,
      };
    }
    return { status: 'fail', summary: mismatch(file, diff), ...evidence };
  },
};

function mismatch(file: string, diff: ContractDiff): string {
  const { error, warning, info } = diff.counts;
  const shown = diff.changes
    .slice(0, SHOWN_CHANGES)
    .map(
      (c) => `${c.classId}${c.path ? ` ${c.method?.toUpperCase() ?? ''} ${c.path}`.trimEnd() : ''}`,
    );
  const more =
    diff.changes.length > SHOWN_CHANGES ? `, and ${diff.changes.length - SHOWN_CHANGES} more` : '';
  return `differs from ${file}: ${error} breaking, ${warning} warnings, ${info} other changes (${shown.join('; ')}${more})`;
}
