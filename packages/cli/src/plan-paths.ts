import { DEFAULT_EVIDENCE_ROOT } from '@bulwark/verify';

/** Where the plan commands (verify, plan, gate, evidence) look by default, relative to the working directory. */
export const DEFAULT_PLAN_FILE = 'bulwark.plan.yaml';
export const DEFAULT_EVIDENCE_DIR = DEFAULT_EVIDENCE_ROOT;
export const DEFAULT_ATTESTATIONS_DIR = '.bulwark/attestations';
