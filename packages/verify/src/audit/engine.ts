import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { controlById, controlInProfile } from './catalogue.js';
import { checkComposeService } from './compose/checks.js';
import {
  type ComposeService,
  isOverrideFile,
  loadComposeProject,
  looksLikeCompose,
} from './compose/project.js';
import { checkDockerfile } from './dockerfile/checks.js';
import { type DockerImage, parseDockerfile, type Stage, targetStage } from './dockerfile/image.js';
import { decodeInput } from './input-text.js';
import { type AuditInput, collectInputs, displayPathFor, looksLikeDockerfile } from './inputs.js';
import { checkKubeObject } from './kubernetes/checks.js';
import { KubeGraph } from './kubernetes/graph.js';
import {
  applyBasicTransformers,
  attachSources,
  findKubectl,
  hasRemoteResources,
  KustomizeError,
  kustomizationFile,
  kustomizationSources,
  renderKustomization,
} from './kubernetes/kustomize.js';
import { type KubeObject, kubeObjects, looksLikeKubernetes } from './kubernetes/objects.js';
import {
  type Finding,
  type Format,
  type Location,
  type Profile,
  type RawFinding,
  type Severity,
  severityRank,
} from './model.js';
import {
  applyWaivers,
  DEFAULT_POLICY,
  inlineWaivers,
  loadWaiversFile,
  parseWaiverSpec,
  type ResourceSpan,
  WAIVER_ANNOTATION,
  type Waiver,
  type WaiverPolicy,
  type WaiversFile,
  WaiversFileError,
} from './waivers.js';
import { isObject, parseYamlStream } from './yaml-tree.js';

export interface AuditOptions {
  /** Files and directories; `-` reads stdin (pass its bytes, or its text, as `stdin`). */
  readonly paths: readonly string[];
  readonly stdin?: string | Uint8Array;
  readonly cwd?: string;
  readonly profile?: Profile;
  /** YYYY-MM-DD against which waiver expiry is judged; defaults to today (UTC). */
  readonly today?: string;
  /**
   * A waivers file that must exist; `false` for none. Undefined reads `.bulwark/waivers.yaml`
   * under cwd when it exists.
   */
  readonly waiversFile?: string | false;
  readonly policy?: Partial<WaiverPolicy>;
  /** Active compose profiles; undefined audits every service. */
  readonly composeProfiles?: readonly string[];
  /** Path to kubectl for Kustomize, `false` to never use it; default: found on PATH. */
  readonly kubectl?: string | false;
  /** Fingerprints of findings already known (from `--baseline`); they are left out. */
  readonly baseline?: ReadonlySet<string>;
}

export interface AuditedInput {
  readonly file: string;
  /** `ignored`: not a Dockerfile, compose file or manifest; `refused`: not auditable text (a finding says why). */
  readonly format: Format | 'kustomize' | 'ignored' | 'refused';
  readonly objects: number;
}

export interface AuditReport {
  readonly profile: Profile;
  readonly findings: readonly Finding[];
  readonly inputs: readonly AuditedInput[];
  readonly notes: readonly string[];
  /** Resources judged: Kubernetes objects, compose services and Dockerfiles. */
  readonly objects: number;
  readonly baselineSuppressed: number;
  /**
   * Nothing was audited: no resource was judged and no input produced a finding. An empty stdin
   * (a `helm template` that failed before the pipe) or a directory without deploy files looks
   * like a pass otherwise.
   */
  readonly nothingAudited: boolean;
}

export const STDIN_NAME = '<stdin>';

/** Runs the audit: never throws on bad content (that becomes a located finding), only on unreadable paths. */
export function audit(options: AuditOptions): AuditReport {
  const cwd = options.cwd ?? process.cwd();
  const display = displayPathFor(cwd);
  const profile = options.profile ?? 'all';
  const today = options.today ?? new Date().toISOString().slice(0, 10);
  const run = new AuditRun(display, options);

  const paths = options.paths.filter((path) => path !== '-');
  const inputs = collectInputs(paths, cwd);
  if (options.paths.includes('-')) run.addStdin(options.stdin ?? '', cwd);
  for (const input of inputs) run.add(input);
  run.finishKubernetes();

  const waiversFile = loadWaivers(options.waiversFile, cwd, display);
  const policy: WaiverPolicy = { ...DEFAULT_POLICY, ...waiversFile.policy, ...options.policy };

  const raw = [...run.findings, ...waiversFile.errors].filter((finding) => {
    const control = controlById(finding.controlId);
    return control !== undefined && controlInProfile(control, profile);
  });
  const { findings, waiverFindings } = applyWaivers(
    deduplicate(raw).map(toFinding),
    [...waiversFile.waivers, ...run.waivers],
    policy,
    today,
  );
  const all = [...findings, ...deduplicate(waiverFindings).map(toFinding)].sort(compareFindings);
  const baseline = options.baseline;
  const reported = baseline ? all.filter((finding) => !baseline.has(finding.fingerprint)) : all;
  return {
    profile,
    findings: reported,
    inputs: run.inputs.sort((a, b) => a.file.localeCompare(b.file)),
    notes: run.notes,
    objects: run.objects,
    baselineSuppressed: all.length - reported.length,
    nothingAudited: run.objects === 0 && run.findings.length === 0,
  };
}

/** A named waivers file must exist (a typo would silently waive nothing); the default may not. */
function loadWaivers(
  file: string | false | undefined,
  cwd: string,
  display: (absolute: string) => string,
): WaiversFile {
  if (file === false) return { waivers: [], policy: DEFAULT_POLICY, errors: [] };
  const path = file === undefined ? join(cwd, '.bulwark', 'waivers.yaml') : resolve(cwd, file);
  if (file !== undefined && !existsSync(path)) {
    throw new WaiversFileError(`waivers file ${display(path)} does not exist`);
  }
  return loadWaiversFile(path, display(path));
}

/** Whether one finding blocks the gate: unwaived and at or above the threshold. */
export function blocksGate(finding: Finding, failOn: Severity): boolean {
  return !finding.waiver && severityRank(finding.severity) >= severityRank(failOn);
}

/** Whether the report fails the gate: an unwaived finding at or above the threshold. */
export function gateFails(report: AuditReport, failOn: Severity): boolean {
  return report.findings.some((finding) => blocksGate(finding, failOn));
}

export function fingerprintOf(controlId: string, file: string, resource: string): string {
  return createHash('sha256')
    .update(`${controlId}\u0000${file}\u0000${resource}`)
    .digest('hex')
    .slice(0, 32);
}

function formatOf(controlId: string): Finding['format'] {
  if (controlId.startsWith('BW-WAIVER-')) return 'waiver';
  return 'input';
}

function toFinding(raw: RawFinding & { format?: Finding['format'] }): Finding {
  const control = controlById(raw.controlId);
  return {
    controlId: raw.controlId,
    severity: control?.severity ?? 'high',
    format: raw.format ?? formatOf(raw.controlId),
    resource: raw.resource,
    path: raw.path,
    message: raw.message,
    location: raw.location,
    fingerprint: fingerprintOf(raw.controlId, raw.location.file, raw.resource),
  };
}

/** One finding per file, resource and control; messages of merged duplicates are kept. */
function deduplicate<T extends RawFinding>(findings: readonly T[]): T[] {
  const byKey = new Map<string, T>();
  for (const finding of findings) {
    const key = `${finding.controlId}\u0000${finding.location.file}\u0000${finding.resource}`;
    const existing = byKey.get(key);
    if (!existing) byKey.set(key, finding);
    else if (!existing.message.includes(finding.message)) {
      byKey.set(key, { ...existing, message: `${existing.message}; ${finding.message}` });
    }
  }
  return [...byKey.values()];
}

function compareFindings(a: Finding, b: Finding): number {
  return (
    a.location.file.localeCompare(b.location.file) ||
    a.location.line - b.location.line ||
    a.location.column - b.location.column ||
    a.controlId.localeCompare(b.controlId) ||
    a.resource.localeCompare(b.resource)
  );
}

type FormattedFinding = RawFinding & { format: Finding['format'] };

/** The state of one audit: findings, waivers and the Kubernetes objects awaiting their graph. */
class AuditRun {
  readonly findings: FormattedFinding[] = [];
  readonly waivers: Waiver[] = [];
  readonly inputs: AuditedInput[] = [];
  readonly notes: string[] = [];
  objects = 0;
  /** Plain manifests and stdin share one graph; each Kustomize rendering gets its own. */
  private readonly looseObjects: KubeObject[] = [];
  private readonly dockerfiles = new Map<string, DockerImage | undefined>();
  private readonly kubectl: string | undefined;

  constructor(
    private readonly display: (absolute: string) => string,
    private readonly options: AuditOptions,
  ) {
    this.kubectl = options.kubectl === false ? undefined : (options.kubectl ?? findKubectl());
  }

  private push(format: Finding['format'], findings: readonly RawFinding[]): void {
    for (const finding of findings) this.findings.push({ ...finding, format });
  }

  private malformed(
    file: string,
    errors: ReadonlyArray<{ message: string; location: Location }>,
  ): void {
    this.push(
      'input',
      errors.map((error) => ({
        controlId: 'BW-INPUT-MALFORMED',
        resource: file,
        path: '',
        message: error.message,
        location: error.location,
      })),
    );
  }

  /** Stdin is named `<stdin>` and, for a compose file, treated as living in the working directory. */
  addStdin(input: string | Uint8Array, cwd: string): void {
    const decoded =
      typeof input === 'string' ? { ok: true as const, text: input } : decodeInput(input);
    if (!decoded.ok) {
      this.refused(STDIN_NAME, decoded.reason);
      return;
    }
    const text = decoded.text;
    if (looksLikeDockerfile(text)) this.addDockerfile(STDIN_NAME, text);
    else this.addYaml(STDIN_NAME, text, join(cwd, STDIN_NAME));
  }

  add(input: AuditInput): void {
    const file = this.display(input.path);
    if (input.kind === 'dockerfile') this.addDockerfile(file, input.text);
    else if (input.kind === 'yaml') this.addYaml(file, input.text, input.path);
    else if (input.kind === 'refused') this.refused(file, input.reason);
    else this.addKustomization(input.path);
  }

  /** A file that is not auditable text: one finding at its start, rather than a parse of garbage. */
  private refused(file: string, reason: string): void {
    this.inputs.push({ file, format: 'refused', objects: 0 });
    this.malformed(file, [{ message: reason, location: { file, line: 1, column: 1 } }]);
  }

  private addDockerfile(file: string, text: string): void {
    const image = parseDockerfile(text, file);
    this.inputs.push({ file, format: 'dockerfile', objects: 1 });
    this.objects++;
    if (image.errors.length > 0) this.malformed(file, image.errors);
    this.push('dockerfile', checkDockerfile(image));
    this.waivers.push(...inlineWaivers(text, file, []));
  }

  private addYaml(file: string, text: string, absolute: string): void {
    const docs = parseYamlStream(text, file);
    const first = docs[0];
    if (first && looksLikeCompose(first.value)) {
      if (isOverrideFile(absolute)) {
        this.inputs.push({ file, format: 'compose', objects: 0 });
        return;
      }
      this.addCompose(absolute, text);
      return;
    }
    const spans: ResourceSpan[] = [];
    let objects = 0;
    for (const doc of docs) {
      if (doc.errors.length > 0) {
        this.malformed(file, doc.errors);
        continue;
      }
      if (!looksLikeKubernetes(doc.value)) continue;
      const at: Location = { file, line: doc.startLine, column: 1 };
      for (const object of kubeObjects(doc.value, file, at, 'default')) {
        this.looseObjects.push(object);
        spans.push({
          file,
          resource: object.resource,
          startLine: doc.startLine,
          endLine: doc.endLine,
        });
        this.annotationWaivers(object);
        objects++;
      }
    }
    const malformed = docs.some((doc) => doc.errors.length > 0);
    this.inputs.push({
      file,
      format: objects > 0 || malformed ? 'kubernetes' : 'ignored',
      objects,
    });
    this.waivers.push(...inlineWaivers(text, file, spans));
  }

  private annotationWaivers(object: KubeObject): void {
    const metadata = isObject(object.value.metadata) ? object.value.metadata : {};
    const annotations = isObject(metadata.annotations) ? metadata.annotations : {};
    const value = annotations[WAIVER_ANNOTATION];
    if (typeof value !== 'string') return;
    for (const line of value.split('\n').filter((l) => l.trim() !== '')) {
      this.waivers.push(
        parseWaiverSpec(line, `${object.file}#${object.resource}`, 'annotation', object.at),
      );
    }
  }

  private addCompose(absolute: string, text: string): void {
    const project = loadComposeProject(absolute, text, {
      profiles: this.options.composeProfiles,
      displayPath: this.display,
    });
    this.inputs.push({ file: project.file, format: 'compose', objects: project.services.length });
    this.objects += project.services.length;
    if (project.errors.length > 0) this.malformed(project.file, project.errors);
    const context = {
      buildStage: (service: ComposeService) => this.buildStage(project.directory, service),
    };
    const spans: ResourceSpan[] = [];
    const ordered = [...project.services].sort((a, b) => a.at.line - b.at.line);
    ordered.forEach((service, index) => {
      const next = ordered[index + 1];
      if (service.at.file === project.file) {
        spans.push({
          file: project.file,
          resource: `service/${service.name}`,
          startLine: service.at.line,
          endLine: next ? next.at.line - 1 : Number.MAX_SAFE_INTEGER,
        });
      }
      this.push('compose', checkComposeService(service, context));
    });
    this.waivers.push(...inlineWaivers(text, project.file, spans));
  }

  /** The Dockerfile stage a service builds, when its build context is a local directory. */
  private buildStage(
    directory: string,
    service: ComposeService,
  ): { stage: Stage; file: string } | undefined {
    const build = service.value.build;
    if (build === undefined) return undefined;
    const spec = isObject(build) ? build : { context: build };
    const context = String(spec.context ?? '.');
    if (/^[a-z]+:\/\/|^git@/i.test(context)) return undefined;
    const dockerfile = String(spec.dockerfile ?? 'Dockerfile');
    const path = isAbsolute(dockerfile) ? dockerfile : resolve(directory, context, dockerfile);
    if (!this.dockerfiles.has(path)) {
      this.dockerfiles.set(path, this.readDockerfile(path));
    }
    const image = this.dockerfiles.get(path);
    const stage =
      image && targetStage(image, spec.target === undefined ? undefined : String(spec.target));
    return stage ? { stage, file: this.display(path) } : undefined;
  }

  /** A build context's Dockerfile, or undefined when it is missing or unreadable (the service is then judged on its own). */
  private readDockerfile(path: string): DockerImage | undefined {
    try {
      return parseDockerfile(readFileSync(path, 'utf8'), this.display(path));
    } catch {
      return undefined;
    }
  }

  private addKustomization(directory: string): void {
    const kustomization = kustomizationFile(directory) as string;
    const file = this.display(kustomization);
    const fallback: Location = { file, line: 1, column: 1 };
    let objects: KubeObject[];
    const remote = hasRemoteResources(directory);
    const sources = kustomizationSources(directory, this.display);
    // Each resource file is read once, for both its objects and its inline waivers.
    const texts = new Map<string, string>();
    const textOf = (path: string): string => {
      const known = texts.get(path);
      if (known !== undefined) return known;
      const text = readFileSync(path, 'utf8');
      texts.set(path, text);
      return text;
    };
    if (remote) {
      this.notes.push(
        `${file} names remote resources: not rendered (no network calls); its local resources are audited as written`,
      );
    }
    if (this.kubectl && !remote) {
      let rendered: string;
      try {
        rendered = renderKustomization(this.kubectl, directory);
      } catch (error) {
        if (!(error instanceof KustomizeError)) throw error;
        this.malformed(file, [{ message: error.message, location: fallback }]);
        this.inputs.push({ file, format: 'kustomize', objects: 0 });
        return;
      }
      const renderedObjects = parseYamlStream(rendered, `${file} (rendered)`).flatMap((doc) =>
        looksLikeKubernetes(doc.value) ? kubeObjects(doc.value, file, fallback, 'default') : [],
      );
      objects = attachSources(renderedObjects, sources.files, this.display, fallback);
    } else {
      if (!remote) {
        this.notes.push(
          `kubectl not used: ${file} audited from its resources with its namespace, name and image transformers, without patches or nested bases' transformers`,
        );
      }
      // What kubectl would refuse to render (a kustomization that does not parse, a resource that
      // is not there) is malformed input here too, not a silent pass.
      if (sources.problems.length > 0) this.malformed(file, sources.problems);
      const local: KubeObject[] = [];
      for (const path of sources.files) {
        const display = this.display(path);
        for (const doc of parseYamlStream(textOf(path), display)) {
          if (doc.errors.length > 0) this.malformed(display, doc.errors);
          else if (looksLikeKubernetes(doc.value)) {
            local.push(
              ...kubeObjects(
                doc.value,
                display,
                { file: display, line: doc.startLine, column: 1 },
                'default',
              ),
            );
          }
        }
      }
      objects = applyBasicTransformers(directory, local);
    }
    for (const object of objects) this.annotationWaivers(object);
    for (const path of sources.files) {
      const display = this.display(path);
      const text = textOf(path);
      const spans: ResourceSpan[] = [];
      for (const doc of parseYamlStream(text, display)) {
        for (const object of objects) {
          if (object.file === display && object.at.line === doc.startLine) {
            spans.push({
              file: display,
              resource: object.resource,
              startLine: doc.startLine,
              endLine: doc.endLine,
            });
          }
        }
      }
      this.waivers.push(...inlineWaivers(text, display, spans));
    }
    this.inputs.push({ file, format: 'kustomize', objects: objects.length });
    this.checkKubernetes(objects);
  }

  finishKubernetes(): void {
    this.checkKubernetes(this.looseObjects);
  }

  private checkKubernetes(objects: readonly KubeObject[]): void {
    const graph = new KubeGraph(objects);
    this.objects += objects.length;
    for (const object of objects) this.push('kubernetes', checkKubeObject(object, graph));
  }
}
