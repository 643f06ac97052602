import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import type { Location } from '../model.js';
import { isObject, locate, metaOf, parseYamlStream } from '../yaml-tree.js';
import { type KubeObject, kubeObjects, looksLikeKubernetes } from './objects.js';

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

export function kustomizationFile(directory: string): string | undefined {
  return KUSTOMIZATION_FILES.map((name) => join(directory, name)).find((file) => existsSync(file));
}

/** kubectl on PATH, or undefined. */
export function findKubectl(): string | undefined {
  for (const directory of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(directory, 'kubectl');
    if (directory && existsSync(candidate)) return candidate;
  }
  return undefined;
}

export class KustomizeError extends Error {
  readonly code = 'BW_KUSTOMIZE_FAILED';
}

/** Renders a Kustomize directory with `kubectl kustomize` (local files only, no cluster access). */
export function renderKustomization(kubectl: string, directory: string): string {
  try {
    return execFileSync(kubectl, ['kustomize', directory], {
      encoding: 'utf8',
      timeout: 60_000,
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
    });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    const cause = stderr.split('\n').at(-1) || (error as Error).message;
    throw new KustomizeError(`kubectl kustomize ${directory} failed: ${cause}`);
  }
}

const REMOTE = /^[a-z][a-z0-9+.-]*:\/\/|^git@|^(github|gitlab|bitbucket)\.(com|org)\//i;

/**
 * Whether the kustomization (or a base it names) pulls remote resources. Those are never rendered:
 * kubectl would fetch them, and the audit makes no network calls.
 */
export function hasRemoteResources(directory: string, seen = new Set<string>()): boolean {
  const file = kustomizationFile(directory);
  if (!file || seen.has(directory)) return false;
  seen.add(directory);
  const [doc] = parseYamlStream(readFileSync(file, 'utf8'), file);
  const value = doc && isObject(doc.value) ? doc.value : {};
  if (value.helmCharts !== undefined) return true;
  const entries = [value.resources, value.bases, value.components].flatMap((list) =>
    Array.isArray(list) ? list.map(String) : [],
  );
  return entries.some((entry) => {
    if (REMOTE.test(entry)) return true;
    const path = resolve(directory, entry);
    return existsSync(path) && statSync(path).isDirectory() && hasRemoteResources(path, seen);
  });
}

/** A kustomization file that does not parse, or an entry naming a local path that does not exist. */
export interface KustomizationProblem {
  readonly message: string;
  readonly location: Location;
}

export interface KustomizationSources {
  /** The resource files it names, following directory resources (bases) recursively. */
  readonly files: string[];
  /** Located problems; kubectl would refuse to render such a kustomization. */
  readonly problems: KustomizationProblem[];
}

/**
 * Reads a kustomization and the bases it names. Locations use `displayPath`, so problems can be
 * reported as findings where kubectl is not there to refuse the kustomization.
 */
export function kustomizationSources(
  directory: string,
  displayPath: (absolute: string) => string = (absolute) => absolute,
  seen = new Set<string>(),
): KustomizationSources {
  const file = kustomizationFile(directory);
  if (!file || seen.has(directory)) return { files: [], problems: [] };
  seen.add(directory);
  const display = displayPath(file);
  const start: Location = { file: display, line: 1, column: 1 };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return {
      files: [],
      problems: [{ message: `cannot read ${display}: ${code}`, location: start }],
    };
  }
  const [doc] = parseYamlStream(text, display);
  if (doc && doc.errors.length > 0) return { files: [], problems: [...doc.errors] };
  const value = doc && isObject(doc.value) ? doc.value : {};
  const files: string[] = [];
  const problems: KustomizationProblem[] = [];
  for (const key of ['resources', 'bases', 'components']) {
    const list = value[key];
    if (!Array.isArray(list)) continue;
    list.forEach((item, index) => {
      const entry = String(item);
      if (REMOTE.test(entry)) return;
      const path = resolve(directory, entry);
      if (!existsSync(path)) {
        problems.push({
          message: `${key} entry ${entry} does not exist`,
          location: metaOf(list)?.keys.get(index) ?? locate(value, [key], start),
        });
      } else if (statSync(path).isDirectory()) {
        const nested = kustomizationSources(path, displayPath, seen);
        files.push(...nested.files);
        problems.push(...nested.problems);
      } else {
        files.push(path);
      }
    });
  }
  return { files, problems };
}

/** The resource files a kustomization names, following directory resources (bases) recursively. */
export function kustomizationResources(directory: string): string[] {
  return kustomizationSources(directory).files;
}

/**
 * Points each rendered object back at the source object it came from (same kind, name equal to or
 * contained in the rendered name, which covers namePrefix and nameSuffix), so that locations
 * name the file and key people edit rather than a line of kubectl's output.
 */
export function attachSources(
  rendered: readonly KubeObject[],
  sourceFiles: readonly string[],
  displayPath: (absolute: string) => string,
  fallback: Location,
): KubeObject[] {
  const sources: KubeObject[] = [];
  for (const file of sourceFiles) {
    const display = displayPath(file);
    for (const doc of parseYamlStream(readFileSync(file, 'utf8'), display)) {
      if (!looksLikeKubernetes(doc.value)) continue;
      sources.push(
        ...kubeObjects(
          doc.value,
          display,
          { file: display, line: doc.startLine, column: 1 },
          'default',
        ),
      );
    }
  }
  return rendered.map((object) => {
    const source = sources
      .filter((candidate) => candidate.kind === object.kind && object.name.includes(candidate.name))
      .sort((a, b) => b.name.length - a.name.length)[0];
    if (!source) return { ...object, file: fallback.file, at: fallback, locateIn: {} };
    return {
      ...object,
      file: source.file,
      at: source.at,
      locateIn: source.value,
      pathPrefix: source.pathPrefix,
    };
  });
}

/**
 * Without kubectl, the kustomization's own namespace, name prefix/suffix and `images` transformers
 * are applied to its resources, so image pins and namespaces are judged as Kustomize would render
 * them. Patches and the transformers of nested bases are not: the note in the report says so.
 */
export function applyBasicTransformers(
  directory: string,
  objects: readonly KubeObject[],
): KubeObject[] {
  const file = kustomizationFile(directory);
  if (!file) return [...objects];
  const [doc] = parseYamlStream(readFileSync(file, 'utf8'), file);
  const value = doc && isObject(doc.value) ? doc.value : {};
  const namespace = typeof value.namespace === 'string' ? value.namespace : undefined;
  const prefix = typeof value.namePrefix === 'string' ? value.namePrefix : '';
  const suffix = typeof value.nameSuffix === 'string' ? value.nameSuffix : '';
  const images = (Array.isArray(value.images) ? value.images : []).filter(isObject);
  return objects.map((object) => {
    if (images.length > 0) rewriteImages(object.value, images);
    const name = `${prefix}${object.name}${suffix}`;
    const ns = namespace ?? object.namespace;
    return { ...object, name, namespace: ns, resource: `${object.kind}/${ns}/${name}` };
  });
}

function rewriteImages(value: unknown, images: ReadonlyArray<Record<string, unknown>>): void {
  if (Array.isArray(value)) {
    for (const item of value) rewriteImages(item, images);
    return;
  }
  if (!isObject(value)) return;
  for (const [key, child] of Object.entries(value)) {
    if (key === 'image' && typeof child === 'string') {
      const [name = ''] = child.split('@')[0]?.split(/:(?=[^/]*$)/) ?? [];
      const rule = images.find((image) => image.name === name);
      if (!rule) continue;
      const newName = typeof rule.newName === 'string' ? rule.newName : name;
      if (typeof rule.digest === 'string') value[key] = `${newName}@${rule.digest}`;
      else if (typeof rule.newTag === 'string') value[key] = `${newName}:${rule.newTag}`;
      else value[key] = child.replace(name, newName);
    } else {
      rewriteImages(child, images);
    }
  }
}
