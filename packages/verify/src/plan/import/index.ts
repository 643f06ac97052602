export type { Binding, BindResult } from './bind.js';
export { bindCriterion } from './bind.js';
export type { CriterionKind, ExtractedCriterion } from './extract.js';
export { extractCriteria } from './extract.js';
export { criterionId } from './ids.js';
export {
  type BoundCriterion,
  IMPORTED_ENVIRONMENT,
  ImportError,
  type ImportOptions,
  type ImportResult,
  importMarkdownPlan,
  type ManualCriterion,
} from './import.js';
export { readOutline } from './markdown-outline.js';
export { readMarkdownPlan } from './read-markdown.js';
