import { type Location, UnreadableInputError } from '@bulwark/verify';
import {
  type AuditInput,
  collectInputs,
  displayPathFor,
  isOverrideFile,
  kubeObjects,
  loadComposeProject,
  looksLikeCompose,
  looksLikeKubernetes,
  parseDockerfile,
  parseYamlStream,
} from '@bulwark/verify/audit-readers';
import { ReleaseError } from '../errors.js';
import { type ReleaseCheckResult, type ReleaseFinding, statusOf } from '../model.js';
import { composeImages } from './compose-images.js';
import { dockerfileImages } from './dockerfile-images.js';
import { type ImageUse, judgePinning } from './image-use.js';
import { kubernetesImages } from './kubernetes-images.js';
import {
  type InputProblem,
  type KustomizationImages,
  kustomizationImages,
} from './kustomize-images.js';

export interface ImagePinningOptions {
  /** The repository (absolute); findings name files relative to it. */
  readonly root: string;
  /** Files and directories (relative to root, or absolute), searched recursively. */
  readonly paths: readonly string[];
}

/**
 * Check `images`: every image the deploy files pull is pinned by digest (`@sha256:<64 hex>`), so
 * what was tested is what runs. Files are found and read as `bulwark audit` reads them
 * (Dockerfiles, compose files, Kubernetes manifests, kustomizations); each unpinned reference is
 * a finding at its file and line. A reference that needs a value the files do not give (an ARG
 * without a default, an unset compose variable) cannot be judged, and fails the same way. A
 * placeholder digest of all zeros only warns: it is pinned, but someone must replace it.
 */
export async function checkImagePinning(options: ImagePinningOptions): Promise<ReleaseCheckResult> {
  const { root } = options;
  const display = displayPathFor(root);
  let inputs: AuditInput[];
  try {
    inputs = collectInputs(options.paths, root);
  } catch (error) {
    if (error instanceof UnreadableInputError) {
      throw new ReleaseError('BW_RELEASE_CONFIG', `images.paths: ${error.message}`);
    }
    throw error;
  }
  const uses: ImageUse[] = [];
  const problems: InputProblem[] = [];
  const kustomizations: KustomizationImages[] = [];
  for (const input of inputs) {
    const file = display(input.path);
    if (input.kind === 'refused') {
      problems.push({ message: `cannot be checked: ${input.reason}`, location: startOf(file) });
    } else if (input.kind === 'dockerfile') {
      uses.push(...dockerfileImages(parseDockerfile(input.text, file)));
    } else if (input.kind === 'yaml') {
      yamlImages(input.path, input.text, display, uses, problems);
    } else {
      kustomizations.push(kustomizationImages(input.path, display));
    }
  }
  // A base another kustomization includes is judged through it, with that overlay's image
  // entries applied: judged alone it would report what the overlay pins.
  const included = new Set(kustomizations.flatMap((k) => [...k.includes]));
  for (const kustomization of kustomizations) {
    if (included.has(kustomization.directory)) continue;
    uses.push(...kustomization.uses);
    problems.push(...kustomization.problems);
  }

  const references = distinct(uses);
  const findings = [
    ...references.flatMap((use) => imageFinding(use) ?? []),
    ...problems.map(problemFinding),
  ].sort(byLocation);
  return {
    check: 'images',
    status: statusOf(findings),
    summary: summarize(references, findings, options.paths),
    findings,
  };
}

function yamlImages(
  path: string,
  text: string,
  display: (absolute: string) => string,
  uses: ImageUse[],
  problems: InputProblem[],
): void {
  const file = display(path);
  const docs = parseYamlStream(text, file);
  if (docs[0] && looksLikeCompose(docs[0].value)) {
    // An override file is merged into its base file's project, and judged there.
    if (isOverrideFile(path)) return;
    const project = loadComposeProject(path, text, { displayPath: display });
    problems.push(...project.errors.map(unparsable));
    uses.push(...composeImages(project.services));
    return;
  }
  for (const doc of docs) {
    if (doc.errors.length > 0) problems.push(...doc.errors.map(unparsable));
    else if (looksLikeKubernetes(doc.value)) {
      const at: Location = { file, line: doc.startLine, column: 1 };
      uses.push(...kubernetesImages(kubeObjects(doc.value, file, at, 'default')));
    }
  }
}

/** One use per place and reference: a base two overlays include, or an entry shared by containers, is one finding. */
function distinct(uses: readonly ImageUse[]): ImageUse[] {
  const seen = new Set<string>();
  return uses.filter((use) => {
    const key = `${use.location.file}:${use.location.line}\0${use.reference}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function imageFinding(use: ImageUse): ReleaseFinding | undefined {
  const location = `${use.location.file}:${use.location.line}`;
  const who = use.setBy ? `${use.user} (image set by ${use.setBy})` : use.user;
  if (use.unresolved) {
    // An unset compose variable leaves no reference at all: the user names the finding then.
    return {
      id: use.reference || `${use.user} image`,
      message: `${who}: image ${use.reference ? `${use.reference} ` : ''}cannot be checked: ${use.unresolved}`,
      location,
    };
  }
  const pinning = judgePinning(use.reference);
  if (pinning.state === 'unpinned') {
    return { id: use.reference, message: `${who}: ${pinning.reason}`, location };
  }
  if (pinning.state === 'placeholder') {
    return {
      id: use.reference,
      message: `${who}: ${use.reference} has a placeholder digest (all zeros): set the real digest before deploying`,
      location,
      warning: true,
    };
  }
  return undefined;
}

function problemFinding(problem: InputProblem): ReleaseFinding {
  const location = `${problem.location.file}:${problem.location.line}`;
  return {
    id: `input:${location}`,
    message: `${problem.location.file} ${problem.message}`,
    location,
    ...(problem.warning ? { warning: true } : {}),
  };
}

function unparsable(error: { message: string; location: Location }): InputProblem {
  return { message: `cannot be parsed: ${error.message}`, location: error.location };
}

/** By file, then by line: the order an editor shows them in. */
function byLocation(a: ReleaseFinding, b: ReleaseFinding): number {
  const [fileA = '', lineA = '0'] = (a.location ?? '').split(/:(?=\d+$)/);
  const [fileB = '', lineB = '0'] = (b.location ?? '').split(/:(?=\d+$)/);
  return fileA.localeCompare(fileB) || Number(lineA) - Number(lineB);
}

function startOf(file: string): Location {
  return { file, line: 1, column: 1 };
}

function summarize(
  uses: readonly ImageUse[],
  findings: readonly ReleaseFinding[],
  paths: readonly string[],
): string {
  const where = paths.join(', ');
  const count = `${uses.length} image reference${uses.length === 1 ? '' : 's'} under ${where}`;
  const blocking = findings.filter((f) => !f.warning).length;
  const warnings = findings.length - blocking;
  if (findings.length === 0) return `${count}, all pinned by digest`;
  const parts: string[] = [];
  if (blocking > 0) parts.push(`${blocking} not pinned or not checkable`);
  if (warnings > 0) parts.push(`${warnings} warning${warnings === 1 ? '' : 's'}`);
  return `${count}: ${parts.join(', ')}`;
}
