export { checkEvidenceGate, type EvidenceGateOptions } from './check-evidence-gate.js';
