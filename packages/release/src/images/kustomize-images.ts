import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Location } from '@bulwark/verify';
import {
  isObject,
  kubeObjects,
  kustomizationFile,
  locate,
  looksLikeKubernetes,
  metaOf,
  parseImage,
  parseYamlStream,
} from '@bulwark/verify/audit-readers';
import type { ImageUse } from './image-use.js';
import { kubernetesImages } from './kubernetes-images.js';

/** Something in the deploy files that keeps images from being checked. */
export interface InputProblem {
  readonly message: string;
  readonly location: Location;
  /** Reported without blocking: what is not checked is said, not guessed. */
  readonly warning?: boolean;
}

export interface KustomizationImages {
  readonly directory: string;
  readonly uses: readonly ImageUse[];
  readonly problems: readonly InputProblem[];
  /** The kustomization directories it includes as resources or components (bases). */
  readonly includes: ReadonlySet<string>;
}

/**
 * The same test as the audit's (kubernetes/kustomize.ts): a URL, a git remote or a hosted-git
 * shorthand. Repeated because the audit keeps it private; nothing remote is fetched.
 */
const REMOTE = /^[a-z][a-z0-9+.-]*:\/\/|^git@|^(github|gitlab|bitbucket)\.(com|org)\//i;

/**
 * The images a kustomization deploys, without kubectl: the containers of its resources and of
 * the bases and components it includes (each base's own `images:` applied first), then its own
 * `images:` entries, as Kustomize's image transformer applies them. An image an entry rewrites
 * is located at that entry, where a `newTag` must become a `digest`. Patches are not applied:
 * an image set only by a patch is judged as the resource writes it.
 */
export function kustomizationImages(
  directory: string,
  display: (absolute: string) => string,
): KustomizationImages {
  const includes = new Set<string>();
  const problems: InputProblem[] = [];
  const uses = resolveKustomization(directory, display, [directory], includes, problems);
  return { directory, uses, problems, includes };
}

function resolveKustomization(
  directory: string,
  display: (absolute: string) => string,
  ancestry: readonly string[],
  includes: Set<string>,
  problems: InputProblem[],
): ImageUse[] {
  const file = kustomizationFile(directory) as string;
  const shown = display(file);
  const start: Location = { file: shown, line: 1, column: 1 };
  const [doc] = parseYamlStream(readFileSync(file, 'utf8'), shown);
  if (!doc) return [];
  if (doc.errors.length > 0) {
    problems.push(
      ...doc.errors.map((error) => ({ ...error, message: `cannot be parsed: ${error.message}` })),
    );
    return [];
  }
  const value = isObject(doc.value) ? doc.value : {};
  if (value.helmCharts !== undefined) {
    problems.push({
      message: 'helmCharts are not rendered: the images of those charts are not checked',
      location: locate(value, ['helmCharts'], start),
      warning: true,
    });
  }
  const uses: ImageUse[] = [];
  for (const key of ['resources', 'bases', 'components']) {
    const list = value[key];
    if (!Array.isArray(list)) continue;
    const listMeta = metaOf(list);
    list.forEach((item, index) => {
      const entry = String(item);
      const at = listMeta?.keys.get(index) ?? locate(value, [key], start);
      if (REMOTE.test(entry)) {
        problems.push({
          message: `${key} entry ${entry} is remote and not fetched: its images are not checked`,
          location: at,
          warning: true,
        });
        return;
      }
      const path = resolve(directory, entry);
      let isDirectory: boolean;
      try {
        isDirectory = statSync(path).isDirectory();
      } catch {
        problems.push({ message: `${key} entry ${entry} does not exist`, location: at });
        return;
      }
      if (!isDirectory) {
        uses.push(...manifestImages(path, display, problems));
      } else if (!kustomizationFile(path)) {
        problems.push({ message: `${key} entry ${entry} has no kustomization`, location: at });
      } else if (!ancestry.includes(path)) {
        includes.add(path);
        uses.push(...resolveKustomization(path, display, [...ancestry, path], includes, problems));
      }
    });
  }
  return applyImageEntries(uses, value, start, shown);
}

function manifestImages(
  path: string,
  display: (absolute: string) => string,
  problems: InputProblem[],
): ImageUse[] {
  const shown = display(path);
  const objects = parseYamlStream(readFileSync(path, 'utf8'), shown).flatMap((doc) => {
    if (doc.errors.length > 0) {
      problems.push(
        ...doc.errors.map((e) => ({ ...e, message: `cannot be parsed: ${e.message}` })),
      );
      return [];
    }
    if (!looksLikeKubernetes(doc.value)) return [];
    return kubeObjects(
      doc.value,
      shown,
      { file: shown, line: doc.startLine, column: 1 },
      'default',
    );
  });
  return kubernetesImages(objects);
}

/** Kustomize's `images:` transformer: an entry matches an image by name and sets its name, tag or digest. */
function applyImageEntries(
  uses: readonly ImageUse[],
  kustomization: Record<string, unknown>,
  start: Location,
  shown: string,
): ImageUse[] {
  const list = Array.isArray(kustomization.images) ? kustomization.images : [];
  const listMeta = metaOf(list);
  const entries = list.flatMap((entry, index) =>
    isObject(entry) && typeof entry.name === 'string'
      ? [{ entry, location: listMeta?.keys.get(index) ?? locate(kustomization, ['images'], start) }]
      : [],
  );
  return uses.map((use) => {
    const image = parseImage(use.reference);
    const match = entries.find(({ entry }) => entry.name === image.name);
    if (!match) return use;
    const { entry, location } = match;
    const name = typeof entry.newName === 'string' ? entry.newName : image.name;
    const tag = entry.newTag === undefined ? undefined : String(entry.newTag);
    const digest = typeof entry.digest === 'string' ? entry.digest : undefined;
    // Only a new name: the tag or digest stays where the manifest wrote it.
    if (tag === undefined && digest === undefined) {
      return { ...use, reference: `${name}${use.reference.slice(image.name.length)}` };
    }
    const reference = `${name}${tag === undefined ? '' : `:${tag}`}${digest === undefined ? '' : `@${digest}`}`;
    return { ...use, reference, location, setBy: `${shown} images entry ${String(entry.name)}` };
  });
}
