/**
 * The audit's readers of deploy files, for other tools that must see exactly what `bulwark
 * audit` sees (the release check's image pinning): input discovery, the Dockerfile, compose and
 * Kubernetes parsers, and YAML with locations. Published as `@bulwark/verify/audit-readers`.
 */
export {
  type ComposeService,
  isOverrideFile,
  loadComposeProject,
  looksLikeCompose,
} from './compose/project.js';
export { type ImageReference, parseImage } from './conventions.js';
export { type DockerImage, parseDockerfile, type Stage } from './dockerfile/image.js';
export { type AuditInput, collectInputs, displayPathFor } from './inputs.js';
export { KustomizeError, kustomizationFile } from './kubernetes/kustomize.js';
export { type KubeObject, kubeObjects, looksLikeKubernetes } from './kubernetes/objects.js';
export { asWorkload, type ContainerRef, type Workload } from './kubernetes/workloads.js';
export {
  isObject,
  locate,
  metaOf,
  type PathSegment,
  parseYamlStream,
  provenanceOf,
  type YamlObject,
} from './yaml-tree.js';
