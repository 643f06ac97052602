import { basename, extname } from 'node:path';
import type { CheckRegistry } from '../../checks/registry.js';
import { type Criterion, PLAN_FORMAT, type Plan } from '../schema.js';
import { bindCriterion } from './bind.js';
import { type ExtractedCriterion, extractCriteria } from './extract.js';
import { criterionId, IdAllocator } from './ids.js';
import { readOutline } from './markdown-outline.js';

/**
 * `bulwark plan import`: a markdown hardening plan becomes a plan skeleton. Criteria come from
 * the plan's structure (extract.ts), checks from their words (bind.ts); what no check can judge
 * stays a manual criterion with its status and a reason, never a silent pass.
 */

export class ImportError extends Error {
  constructor(
    readonly code: 'BW_IMPORT_UNREADABLE' | 'BW_IMPORT_EMPTY' | 'BW_IMPORT_NO_CRITERIA',
    message: string,
  ) {
    super(message);
  }
}

export interface ImportOptions {
  /** The markdown file as the plan should name it: relative to where the plan file will live. */
  readonly sourcePath: string;
  readonly name?: string;
}

export interface BoundCriterion {
  readonly criterion: string;
  readonly check: string;
  readonly with: Record<string, unknown>;
  readonly because: string;
}

export interface ManualCriterion {
  readonly criterion: string;
  readonly reason: string;
}

export interface ImportResult {
  readonly plan: Plan;
  readonly bound: readonly BoundCriterion[];
  readonly manual: readonly ManualCriterion[];
}

/** The one environment an imported plan has: the user lists its services and manifests. */
export const IMPORTED_ENVIRONMENT = 'local';
const MAX_NAME = 200;
const MAX_SECTION = 200;

export function importMarkdownPlan(
  markdown: string,
  options: ImportOptions,
  registry: CheckRegistry,
): ImportResult {
  if (markdown.trim() === '') {
    throw new ImportError('BW_IMPORT_EMPTY', `${options.sourcePath}: the plan is empty`);
  }
  const outline = readOutline(markdown);
  const extracted = extractCriteria(outline);
  if (extracted.length === 0) {
    throw new ImportError(
      'BW_IMPORT_NO_CRITERIA',
      `${options.sourcePath}: no criteria found (no checkbox items, acceptance or success criteria, action items or criteria tables)`,
    );
  }
  const ids = new IdAllocator();
  const bound: BoundCriterion[] = [];
  const manual: ManualCriterion[] = [];
  const criteria = extracted.map((found): Criterion => {
    const id = ids.allocate(criterionId(found.headings, found.text));
    const result = bindCriterion(found.text, registry);
    if (result.kind === 'bound') {
      for (const b of result.bindings) {
        bound.push({ criterion: id, check: b.check, with: b.with, because: b.because });
      }
    } else {
      manual.push({ criterion: id, reason: result.reason });
    }
    return toCriterion(
      id,
      found,
      options.sourcePath,
      result.kind === 'bound' ? result.bindings : [],
    );
  });
  const title = outline.title?.trim();
  const name = (options.name ?? title ?? basename(options.sourcePath, extname(options.sourcePath)))
    .trim()
    .slice(0, MAX_NAME);
  const plan: Plan = {
    format: PLAN_FORMAT,
    name: name || 'imported plan',
    description: `${title ? `${title}: ` : ''}imported from ${basename(options.sourcePath)} by bulwark plan import`,
    source: options.sourcePath,
    environments: {
      [IMPORTED_ENVIRONMENT]: {
        description:
          'Fill in: the services to check (name, url, kind; control.pidFile for drills) and the manifests audit.controls reads.',
        services: [],
      },
    },
    criteria,
  };
  return { plan, bound, manual };
}

function toCriterion(
  id: string,
  found: ExtractedCriterion,
  sourcePath: string,
  bindings: ReadonlyArray<{ check: string; with: Record<string, unknown> }>,
): Criterion {
  const section = found.headings.join(' / ').slice(0, MAX_SECTION);
  return {
    id,
    text: found.text,
    ...(section ? { section } : {}),
    ...(found.owner ? { owner: found.owner } : {}),
    status: found.status,
    ...(found.evidence.length > 0 ? { evidence: [...found.evidence] } : {}),
    ...(bindings.length > 0
      ? {
          checks: bindings.map((b) =>
            Object.keys(b.with).length > 0 ? { check: b.check, with: b.with } : { check: b.check },
          ),
        }
      : {}),
    source: { file: sourcePath, line: found.line },
  };
}
