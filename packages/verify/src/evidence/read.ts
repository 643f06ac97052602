import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Hex } from '@bulwark/keys';
import { firstSchemaError } from '@bulwark/kit';
import type { ValidateFunction } from 'ajv';
import { bundleValidators } from './bundle-schema.js';
import { BundleError } from './errors.js';
import { ANCHOR_FILE, BUNDLE_FILE, isBundleDirName, SIGNATURE_FILE } from './layout.js';
import {
  BUNDLE_FORMAT,
  type EvidenceBundle,
  type LedgerAnchor,
  SIGNATURE_FORMAT,
  type SignatureEnvelope,
} from './model.js';

export interface LoadedBundle {
  readonly dir: string;
  readonly bundle: EvidenceBundle;
  /** bundle.json exactly as on disk: what the signature covers. */
  readonly bytes: Uint8Array;
  readonly sha256: string;
}

/** bundle.json from a bundle directory, its shape checked; BundleError naming the file otherwise. */
export async function readBundle(dir: string): Promise<LoadedBundle> {
  await assertDirectory(dir);
  const path = join(dir, BUNDLE_FILE);
  const bytes = await readRequired(path);
  const bundle = parseChecked<EvidenceBundle>(
    path,
    bytes,
    bundleValidators().bundle,
    BUNDLE_FORMAT,
  );
  return { dir, bundle, bytes, sha256: sha256Hex(bytes) };
}

/** bundle.sig.json; BundleError when it is missing or not a signature envelope. */
export async function readSignature(dir: string): Promise<SignatureEnvelope> {
  const path = join(dir, SIGNATURE_FILE);
  return parseChecked<SignatureEnvelope>(
    path,
    await readRequired(path),
    bundleValidators().envelope,
    SIGNATURE_FORMAT,
  );
}

/** anchor.json, or undefined when the bundle was never anchored; BundleError when unreadable. */
export async function readAnchor(dir: string): Promise<LedgerAnchor | undefined> {
  const path = join(dir, ANCHOR_FILE);
  const bytes = await readOptional(path);
  return bytes && parseChecked<LedgerAnchor>(path, bytes, bundleValidators().anchor);
}

/**
 * The bundle directories of one environment under the evidence root, newest first (their names
 * start with the UTC time the run finished). Half-written `.tmp-*` directories and anything
 * else not named like a bundle are left out; a missing root or environment is no bundles.
 */
export async function findBundles(root: string, environment: string): Promise<string[]> {
  const parent = join(root, environment);
  let entries: Dirent[];
  try {
    entries = await readdir(parent, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    if (code === 'ENOTDIR') throw new BundleError(`${parent} is not a directory`);
    throw new BundleError(`cannot list ${parent}: ${code ?? (error as Error).message}`);
  }
  return entries
    .filter((entry) => entry.isDirectory() && isBundleDirName(entry.name))
    .map((entry) => entry.name)
    .sort()
    .reverse()
    .map((name) => join(parent, name));
}

async function assertDirectory(dir: string): Promise<void> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(dir)).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new BundleError(
      code === 'ENOENT' ? `bundle ${dir} does not exist` : `cannot read bundle ${dir}: ${code}`,
    );
  }
  if (!isDirectory) throw new BundleError(`bundle ${dir} is not a directory`);
}

async function readRequired(path: string): Promise<Uint8Array> {
  const bytes = await readOptional(path);
  if (!bytes) throw new BundleError(`${path} is missing`);
  return bytes;
}

async function readOptional(path: string): Promise<Uint8Array | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR')
      throw new BundleError(`${path}: its directory is not a bundle directory`);
    if (code === 'EISDIR') throw new BundleError(`${path} is a directory, not a file`);
    throw new BundleError(`cannot read ${path}: ${code ?? (error as Error).message}`);
  }
}

/** Parses and validates; a document of another `format` is named as such before any field. */
function parseChecked<T>(
  path: string,
  bytes: Uint8Array,
  validate: ValidateFunction,
  format?: string,
): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw new BundleError(`${path} is not valid JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  if (format !== undefined) {
    const found = (value as { format?: unknown } | null)?.format;
    if (found !== format) {
      throw new BundleError(
        `${path} is not a ${format} document (format ${JSON.stringify(found ?? null)})`,
      );
    }
  }
  if (!validate(value)) {
    throw new BundleError(`${path}: ${firstSchemaError(validate.errors)}`);
  }
  return value as T;
}
