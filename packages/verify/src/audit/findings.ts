import type { Location, RawFinding } from './model.js';
import { locate, type PathSegment } from './yaml-tree.js';

/**
 * Collects the findings of one resource. Checks name the path of the offending key; the collector
 * turns it into the exact source location (or the nearest present parent) and a dotted path.
 */
export class FindingCollector {
  readonly findings: RawFinding[] = [];

  constructor(
    readonly resource: string,
    private readonly root: unknown,
    private readonly fallback: Location,
    /** Prefix of every path, e.g. `items[2]` for an object inside a List. */
    private readonly pathPrefix: readonly PathSegment[] = [],
  ) {}

  report(controlId: string, path: readonly PathSegment[], message: string): void {
    this.findings.push({
      controlId,
      resource: this.resource,
      path: formatPath([...this.pathPrefix, ...path]),
      message,
      location: locate(this.root, path, this.fallback),
    });
  }

  /** Reports at an explicit location (used where the source is not YAML, e.g. a Dockerfile). */
  reportAt(controlId: string, path: string, message: string, location: Location): void {
    this.findings.push({ controlId, resource: this.resource, path, message, location });
  }
}

export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}
