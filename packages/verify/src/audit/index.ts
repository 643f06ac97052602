export { BaselineError, readBaseline } from './baseline.js';
export { CONTROLS, type Control, controlById, controlInProfile } from './catalogue.js';
export {
  type AuditedInput,
  type AuditOptions,
  type AuditReport,
  audit,
  blocksGate,
  fingerprintOf,
  gateFails,
  STDIN_NAME,
} from './engine.js';
export { MAX_INPUT_BYTES } from './input-text.js';
export { UnreadableInputError } from './inputs.js';
export { KustomizeError } from './kubernetes/kustomize.js';
export {
  type AppliedWaiver,
  type Finding,
  FORMATS,
  type Format,
  isIsoDate,
  isSeverity,
  type Location,
  PROFILES,
  type Profile,
  SEVERITIES,
  type Severity,
} from './model.js';
export { type Palette, PLAIN, renderConsole } from './reporters/console.js';
export { renderJson } from './reporters/json.js';
export { renderJunit } from './reporters/junit.js';
export { renderSarif } from './reporters/sarif.js';
export { DEFAULT_POLICY, type WaiverPolicy, WaiversFileError } from './waivers.js';
export { MAX_ALIAS_NODES, MAX_YAML_DEPTH } from './yaml-limits.js';
