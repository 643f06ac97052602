import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Signer } from '@bulwark/keys';
import { sha256Hex, signPayload } from '@bulwark/keys';
import { syncDirectory, writeSynced } from './durable-files.js';
import { BundleWriteError } from './errors.js';
import { artifactFile, BUNDLE_FILE, bundleDirName, SIGNATURE_FILE } from './layout.js';
import {
  type ArtifactRecord,
  BUNDLE_PAYLOAD_TYPE,
  type EvidenceBundle,
  type PlanRun,
  type SignatureEnvelope,
} from './model.js';

export interface WriteBundleOptions {
  /** The evidence root, `.bulwark/evidence`; the bundle goes to `<root>/<environment>/<name>/`. */
  readonly root: string;
  readonly signer: Signer;
  /** The signature's time; now by default. */
  readonly now?: Date;
}

export interface WrittenBundle {
  readonly dir: string;
  /** SHA-256 of bundle.json's bytes, hex: what a ledger anchor records. */
  readonly sha256: string;
  readonly envelope: SignatureEnvelope;
}

/** The purpose evidence signatures are audited under (@bulwark/keys records it before signing). */
export const BUNDLE_SIGNING_PURPOSE = 'evidence-bundle';

/** bundle.json's exact bytes: pretty JSON with a final newline, the same bytes that are signed. */
export const bundleBytes = (bundle: EvidenceBundle): Uint8Array =>
  Buffer.from(`${JSON.stringify(bundle, null, 2)}\n`, 'utf8');

/**
 * Writes a run as a signed bundle directory. Everything goes into a hidden temporary directory
 * beside the final one, the signature last, and the directory is renamed into place only when
 * complete: a crash leaves a `.tmp-*` directory that readers never list, never a bundle.json
 * without its signature under a bundle's name.
 *
 * The runner computes each ArtifactRecord's digest; this checks every record against the bytes
 * it is about to write (and that no bytes go unlisted), so a bundle never lists a digest its own
 * files do not have.
 */
export async function writeBundle(
  run: PlanRun,
  options: WriteBundleOptions,
): Promise<WrittenBundle> {
  const { bundle } = run;
  const files = artifactFilesOf(run);
  const environment = safeSegment(bundle.environment, 'environment');
  const name = bundleDirName(bundle);
  const parent = join(options.root, environment);
  const dir = join(parent, name);
  await mkdir(parent, { recursive: true });
  const temp = join(parent, `.tmp-${name}-${randomBytes(6).toString('hex')}`);
  await mkdir(temp, { mode: 0o755 });
  try {
    for (const [path, bytes] of files) {
      // artifactFilesOf checked every path; the non-null is that check's result.
      await writeSynced(artifactFile(temp, path)!, bytes);
    }
    const payload = bundleBytes(bundle);
    await writeSynced(join(temp, BUNDLE_FILE), payload);
    const envelope = await signPayload(
      options.signer,
      BUNDLE_PAYLOAD_TYPE,
      payload,
      BUNDLE_SIGNING_PURPOSE,
      options.now,
    );
    await writeSynced(join(temp, SIGNATURE_FILE), `${JSON.stringify(envelope, null, 2)}\n`);
    await syncDirectory(temp);
    try {
      await rename(temp, dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') {
        throw new BundleWriteError(`a bundle already exists at ${dir}`);
      }
      throw error;
    }
    await syncDirectory(parent);
    return { dir, sha256: envelope.payloadSha256, envelope };
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}

/** Every artifact the bundle lists, as bytes, after checking paths, sizes and digests. */
function artifactFilesOf(run: PlanRun): Map<string, Uint8Array> {
  const listed = new Map<string, ArtifactRecord>();
  for (const criterion of run.bundle.criteria) {
    for (const check of criterion.checks) {
      for (const record of check.artifacts) {
        const where = `criterion ${criterion.id}, check ${check.check}`;
        if (artifactFile('.', record.path) === undefined) {
          throw new BundleWriteError(
            `${where}: artifact path ${JSON.stringify(record.path)} is not a plain path under artifacts/`,
          );
        }
        const seen = listed.get(record.path);
        if (seen && seen.sha256 !== record.sha256) {
          throw new BundleWriteError(
            `${where}: artifact ${record.path} is listed twice with different digests`,
          );
        }
        listed.set(record.path, record);
      }
    }
  }
  const files = new Map<string, Uint8Array>();
  for (const [path, record] of listed) {
    const content = run.artifacts.get(path);
    if (content === undefined) {
      throw new BundleWriteError(`artifact ${path} is listed in the bundle but has no content`);
    }
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    if (bytes.length !== record.bytes || sha256Hex(bytes) !== record.sha256) {
      throw new BundleWriteError(
        `artifact ${path}: its content does not match the size and SHA-256 the bundle lists`,
      );
    }
    files.set(path, bytes);
  }
  for (const path of run.artifacts.keys()) {
    if (!listed.has(path)) {
      throw new BundleWriteError(`artifact ${path} has content but no record in the bundle`);
    }
  }
  return files;
}

/** A name used as one directory level: no separators, no dot names. */
function safeSegment(value: string, what: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(value) || value.length > 120) {
    throw new BundleWriteError(`${what} ${JSON.stringify(value)} cannot name a directory`);
  }
  return value;
}
