// @bulwark/gate: the tool gate. A signed policy bundle (policy/, bundle/), the mode it is in and
// the m-of-n signed transitions that change it (transitions/, state/), decisions recorded
// durably and shipped to the ledger (decisions/), egress enforcement in three layers (egress/),
// and what a service uses to ask a gate over HTTP (client/). gate.ts ties them together.
export {
  BUNDLE_FORMAT,
  BUNDLE_PAYLOAD_TYPE,
  MAX_BUNDLE_BYTES,
  type SignedBundle,
} from './bundle/schema.js';
export {
  BUNDLE_SIGNING_PURPOSE,
  type BundleTrust,
  encodeBundle,
  type OpenedBundle,
  openBundle,
  signBundle,
} from './bundle/signed-bundle.js';
export { ToolGateClient } from './client/gate-client.js';
export { PolicyMirror } from './client/policy-mirror.js';
export {
  type BatchReceipt,
  LedgerBatchClient,
  type LedgerBatchClientOptions,
  type StreamTail,
} from './decisions/ledger-client.js';
export {
  LedgerRefusedError,
  LedgerStreamMismatchError,
  LedgerStreamMovedError,
  LedgerUnreachableError,
} from './decisions/ledger-client-errors.js';
export { FileOutbox, type FileOutboxOptions, type OutboxStats } from './decisions/outbox.js';
export {
  OutboxClosedError,
  OutboxCorruptError,
  OutboxInUseError,
  OutboxWriteError,
  UnshippableRecordError,
} from './decisions/outbox-errors.js';
export {
  isLedgerName,
  LEDGER_NAME_BYTES,
  LEDGER_NAME_PATTERN,
  OUTBOX_SEQ_KEY,
  type OutboxRecord,
} from './decisions/outbox-line.js';
export {
  OutboxShipper,
  type OutboxShipperOptions,
  type ShipperState,
  type ShipperStatus,
} from './decisions/shipper.js';
export type {
  Decision,
  DecisionRecorder,
  GateRecord,
  GateRecordKind,
} from './decisions/types.js';
export * from './egress/index.js';
export {
  type BundleRefusal,
  BundleRefusedError,
  EgressDeniedError,
  GateError,
  GateStateError,
  OutboxFullError,
  PolicyError,
  TransitionRejectedError,
  type TransitionRejection,
} from './errors.js';
export { type GateStatus, ToolGate, type ToolGateOptions } from './gate.js';
export { compilePolicy } from './policy/compile.js';
export { loadPolicyFile, parsePolicy } from './policy/load.js';
export { GATE_PUBLISHED_SCHEMAS, PolicySchema } from './policy/schema.js';
export * from './policy/types.js';
export { type GateState, loadGateState } from './state/gate-state.js';
export {
  approveTransition,
  createTransitionRequest,
  DEFAULT_TRANSITION_TTL_MS,
  TRANSITION_FORMAT,
  TRANSITION_PAYLOAD_TYPE,
  TRANSITION_SIGNING_PURPOSE,
  type TransitionBody,
  type TransitionFields,
  type TransitionRequest,
} from './transitions/request.js';
export {
  type AcceptedTransition,
  DEFAULT_CLOCK_SKEW_MS,
  DEFAULT_MAX_TRANSITION_VALIDITY_MS,
  type TransitionTrust,
  verifyTransition,
} from './transitions/verify.js';
