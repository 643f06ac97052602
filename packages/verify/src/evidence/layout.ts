import { isAbsolute, join, posix } from 'node:path';
import { BundleWriteError } from './errors.js';
import type { EvidenceBundle } from './model.js';

/** The files of a bundle directory (see model.ts for what each holds). */
export const BUNDLE_FILE = 'bundle.json';
export const SIGNATURE_FILE = 'bundle.sig.json';
export const ANCHOR_FILE = 'anchor.json';
export const ARTIFACTS_DIR = 'artifacts';

/** `<UTC yyyymmddThhmmss.mmmZ>-<id first 8>`: names sort by time, the id suffix keeps them apart. */
const BUNDLE_DIR_NAME = /^\d{8}T\d{6}\.\d{3}Z-[A-Za-z0-9_-]{1,8}$/;

export function bundleDirName(bundle: Pick<EvidenceBundle, 'finishedAt' | 'id'>): string {
  const time = new Date(bundle.finishedAt);
  if (Number.isNaN(time.getTime())) {
    throw new BundleWriteError(`finishedAt ${JSON.stringify(bundle.finishedAt)} is not a time`);
  }
  const compact = time.toISOString().replace(/[-:]/g, '');
  const id = bundle.id.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 8) || 'bundle';
  return `${compact}-${id}`;
}

export const isBundleDirName = (name: string): boolean => BUNDLE_DIR_NAME.test(name);

/**
 * The artifact's file inside `dir`, or undefined when `path` could leave the bundle: absolute,
 * `..` segments, backslashes, NUL, or anything outside `artifacts/`. Checked on the text rather
 * than by resolving it, so the answer cannot depend on what happens to exist on disk.
 */
export function artifactFile(dir: string, path: string): string | undefined {
  if (
    path.length === 0 ||
    path.length > 1024 ||
    isAbsolute(path) ||
    path.includes('\\') ||
    path.includes('\0')
  ) {
    return undefined;
  }
  const segments = path.split('/');
  if (segments[0] !== ARTIFACTS_DIR || segments.length < 2) return undefined;
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return undefined;
  if (posix.normalize(path) !== path) return undefined;
  return join(dir, ...segments);
}
