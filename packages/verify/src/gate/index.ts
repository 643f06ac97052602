export { judgeCriterion, planDrift, requiredCriteria } from './criteria.js';
export { DEFAULT_EVIDENCE_ROOT, type DecideGateOptions, decideGate } from './decide.js';
export {
  BLOCKER_CODES,
  type BlockerCode,
  type GateBlocker,
  type GateDecision,
  type GateSatisfied,
} from './decision.js';
