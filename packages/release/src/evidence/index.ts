export {
  checkEvidenceGate,
  decideReleaseGate,
  type EvidenceGateOptions,
} from './check-evidence-gate.js';
