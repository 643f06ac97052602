import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContractConfig } from '@bulwark/contract';
import { UsageError } from '../exit-codes.js';
import { prepareDevCredentials } from '../stack/dev-credentials.js';
import { type ResolvedService, resolveStack, STACK_HOST } from '../stack/resolve-stack.js';
import { loadStackFile } from '../stack/stack-file.js';
import { tsxLoader } from '../stack/tsx-loader.js';

/** One service's OpenAPI document as its code generates it, and the exact text of it. */
export interface GeneratedDocument {
  readonly service: string;
  /** Pretty JSON with a final newline: what a snapshot file holds, byte for byte. */
  readonly text: string;
  readonly document: Record<string, unknown>;
}

/** A service whose entry takes longer than this to build is reported, not waited for. */
const GENERATE_TIMEOUT_MS = 60_000;
const LAST_LINES = 5;

/** The services of the stack that publish a contract: the config's list, or every one. */
export async function contractServices(
  root: string,
  config: ContractConfig,
  only: readonly string[] = [],
): Promise<{ stackFile: string; names: string[] }> {
  const stackFile = join(root, config.stack);
  const stack = await loadStackFile(stackFile);
  const known = stack.services.map((s) => s.name);
  const published = config.services.length > 0 ? config.services : known;
  for (const name of [...published, ...only]) {
    if (!known.includes(name)) {
      throw new UsageError(`no service ${name} in ${config.stack} (${known.join(', ')})`);
    }
  }
  const names = only.length > 0 ? published.filter((n) => only.includes(n)) : published;
  for (const name of only) {
    if (!published.includes(name)) {
      throw new UsageError(`${name} publishes no contract (bulwark.contract.yaml services)`);
    }
  }
  return { stackFile, names };
}

/**
 * Generates each service's document from its code: the service's entry point runs as `up` would
 * run it (same env, same development credentials, so auth and TLS are configured as in the
 * stack), with BULWARK_OPENAPI_OUT set, which makes the kit build the service, write its document
 * and exit without listening. Each runs in its own scratch directory, so whatever it opens on
 * start (the ledger's embedded database, a dev keystore) is made there and thrown away.
 */
export async function generateDocuments(options: {
  readonly root: string;
  readonly config: ContractConfig;
  readonly only?: readonly string[];
  readonly onProgress?: (message: string) => void;
}): Promise<GeneratedDocument[]> {
  const { root, config } = options;
  const { stackFile, names } = await contractServices(root, config, options.only);
  const stack = await loadStackFile(stackFile);
  const scratch = await mkdtemp(join(tmpdir(), 'bulwark-contract-'));
  try {
    const devDir = join(scratch, 'dev');
    // In the order the contract config names them, which is the order reports list them in.
    const byName = new Map(
      resolveStack({ ...stack, devCredentials: { dir: devDir } }, root).map((s) => [s.name, s]),
    );
    const resolved = names.map((name) => byName.get(name) as ResolvedService);
    await prepareDevCredentials(resolved, devDir);
    let done = 0;
    return await Promise.all(
      resolved.map(async (service) => {
        const generated = await generateOne(service, join(scratch, service.name));
        options.onProgress?.(`generated ${++done}/${resolved.length}: ${service.name}`);
        return generated;
      }),
    );
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function generateOne(service: ResolvedService, dir: string): Promise<GeneratedDocument> {
  await mkdir(dir, { recursive: true });
  const out = join(dir, 'openapi.json');
  const child = spawn(process.execPath, ['--import', tsxLoader, service.entry], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      HOST: STACK_HOST,
      PORT: String(service.port),
      ...service.env,
      BULWARK_OPENAPI_OUT: out,
    },
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - LAST_LINES));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const timer = setTimeout(() => child.kill('SIGKILL'), GENERATE_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(null));
    child.once('close', (exitCode) => resolve(exitCode));
  }).finally(() => clearTimeout(timer));
  if (code !== 0) {
    throw new UsageError(
      `${service.name}: generating its OpenAPI document failed (${code === null ? 'killed after 60 s' : `exit ${code}`}): ${lastMessage(lines)}`,
    );
  }
  const text = await readFile(out, 'utf8').catch(() => {
    throw new UsageError(`${service.name}: its entry exited without writing a document`);
  });
  return { service: service.name, text, document: JSON.parse(text) as Record<string, unknown> };
}

/** The most telling of a failed child's last lines: its fatal log message when it wrote one. */
function lastMessage(lines: readonly string[]): string {
  for (const line of [...lines].reverse()) {
    try {
      const record = JSON.parse(line) as { msg?: unknown };
      if (typeof record.msg === 'string') return record.msg;
    } catch {
      // not a JSON log line
    }
  }
  return lines.at(-1) ?? 'no output';
}
