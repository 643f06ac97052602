import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { decodeInput, MAX_INPUT_BYTES, TOO_LARGE } from './input-text.js';
import { kustomizationFile, kustomizationResources } from './kubernetes/kustomize.js';

/** One thing to audit, classified by name first and by content where the name says nothing. */
export type AuditInput =
  | { readonly kind: 'dockerfile'; readonly path: string; readonly text: string }
  | { readonly kind: 'yaml'; readonly path: string; readonly text: string }
  | { readonly kind: 'kustomize'; readonly path: string }
  /** A file that is not auditable text (binary, or over the size limit): one finding says why. */
  | { readonly kind: 'refused'; readonly path: string; readonly reason: string };

export class UnreadableInputError extends Error {
  readonly code = 'BW_INPUT_UNREADABLE';
}

const SKIPPED_DIRECTORIES = new Set(['node_modules', '.git', 'dist', 'coverage', '.bulwark']);

export function isDockerfileName(name: string): boolean {
  return (
    /^(Dockerfile|Containerfile)([.-].*)?$/.test(name) || /\.(Dockerfile|dockerfile)$/.test(name)
  );
}

function isYamlName(name: string): boolean {
  return /\.ya?ml$/i.test(name);
}

/** Content sniffing for stdin and explicitly named files: a Dockerfile starts with FROM, ARG or a directive. */
export function looksLikeDockerfile(text: string): boolean {
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    return /^(FROM|ARG)\s/i.test(trimmed);
  }
  return false;
}

/**
 * Reads one file as an input of the kind `kindOf` gives for its text, or as a refused input when it
 * is not auditable text. Only a file that cannot be read at all throws.
 */
function readInput(
  path: string,
  display: string,
  size: number,
  kindOf: (text: string) => 'dockerfile' | 'yaml',
): AuditInput {
  // The size is checked before reading, so a huge file is never loaded into memory.
  const decoded =
    size > MAX_INPUT_BYTES
      ? { ok: false as const, reason: TOO_LARGE }
      : decodeInput(readBytes(path, display));
  if (!decoded.ok) return { kind: 'refused', path, reason: decoded.reason };
  return { kind: kindOf(decoded.text), path, text: decoded.text };
}

function readBytes(path: string, display: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new UnreadableInputError(
      `cannot read ${display}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

export function displayPathFor(cwd: string): (absolute: string) => string {
  return (absolute) => {
    const path = relative(cwd, absolute) || basename(absolute);
    return path.split(sep).join('/');
  };
}

/**
 * Expands the given paths into inputs, in a stable order. A directory with a kustomization is one
 * Kustomize input (its files are not audited twice); other directories are walked.
 */
export function collectInputs(paths: readonly string[], cwd: string): AuditInput[] {
  const inputs: AuditInput[] = [];
  const display = displayPathFor(cwd);
  for (const given of paths) {
    const path = resolve(cwd, given);
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(path);
    } catch {
      throw new UnreadableInputError(`cannot read ${given}: no such file or directory`);
    }
    if (stat.isDirectory()) walk(path, inputs, display);
    else {
      const name = basename(path);
      inputs.push(
        readInput(path, display(path), stat.size, (text) =>
          isDockerfileName(name) || (!isYamlName(name) && looksLikeDockerfile(text))
            ? 'dockerfile'
            : 'yaml',
        ),
      );
    }
  }
  // A manifest a kustomization names (say manifests/deploy.yaml) is audited through that
  // kustomization, not a second time on its own.
  const kustomized = new Set(
    inputs.flatMap((input) =>
      input.kind === 'kustomize' ? kustomizationResources(input.path) : [],
    ),
  );
  return inputs.filter((input) => input.kind !== 'yaml' || !kustomized.has(input.path));
}

function walk(
  directory: string,
  inputs: AuditInput[],
  display: (absolute: string) => string,
): void {
  const kustomized = kustomizationFile(directory) !== undefined;
  if (kustomized) inputs.push({ kind: 'kustomize', path: directory });
  let entries: string[];
  try {
    entries = readdirSync(directory).sort();
  } catch (error) {
    throw new UnreadableInputError(
      `cannot read ${display(directory)}: ${(error as NodeJS.ErrnoException).code}`,
    );
  }
  for (const name of entries) {
    const path = join(directory, name);
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(path);
    } catch (error) {
      // A dangling symlink or a symlink loop is unreadable input, like any file that cannot be read.
      throw new UnreadableInputError(
        `cannot read ${display(path)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
    if (stat.isDirectory()) {
      if (!SKIPPED_DIRECTORIES.has(name)) walk(path, inputs, display);
      continue;
    }
    // A kustomization's own files are audited through its rendering.
    if (kustomized) continue;
    const kind = isDockerfileName(name) ? 'dockerfile' : isYamlName(name) ? 'yaml' : undefined;
    if (kind) inputs.push(readInput(path, display(path), stat.size, () => kind));
  }
}
