import type { Location } from '@bulwark/verify';
import { parseImage } from '@bulwark/verify/audit-readers';

/** One place a deploy file names an image that is pulled (not built here). */
export interface ImageUse {
  /** The reference as it will be pulled, variables and Kustomize rewrites applied. */
  readonly reference: string;
  readonly location: Location;
  /** Who uses it: `FROM`, `compose service redis`, `Deployment/web container api`. */
  readonly user: string;
  /** The Kustomize `images:` entry that set the reference last (`kustomization.yaml images entry app`). */
  readonly setBy?: string;
  /** Why the reference cannot be known from the files (an ARG without a default, an unset variable). */
  readonly unresolved?: string;
}

export type Pinning =
  | { readonly state: 'pinned' }
  /** A syntactically valid digest of all zeros: a stand-in someone must replace. */
  | { readonly state: 'placeholder' }
  | { readonly state: 'unpinned'; readonly reason: string };

const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;
const PLACEHOLDER_DIGEST = `sha256:${'0'.repeat(64)}`;

/**
 * Whether a reference is pinned: `@sha256:` and 64 lowercase hex digits, the only digest form
 * registries serve for image manifests. A tag, even with a digest-looking suffix, can be moved.
 */
export function judgePinning(reference: string): Pinning {
  const image = parseImage(reference);
  if (image.digest === undefined) {
    return { state: 'unpinned', reason: `${reference} is not pinned by digest` };
  }
  if (!SHA256_DIGEST.test(image.digest)) {
    return {
      state: 'unpinned',
      reason: `${reference} has a digest that is not sha256:<64 hex digits>`,
    };
  }
  return image.digest === PLACEHOLDER_DIGEST ? { state: 'placeholder' } : { state: 'pinned' };
}

/** Variables a reference still names (`${BASE}`, `$TAG`): it was not resolved. */
export function variablesIn(reference: string): string[] {
  return [...reference.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map(
    (match) => match[1] as string,
  );
}
