import { readFileSync } from 'node:fs';

export class BaselineError extends Error {
  readonly code = 'BW_BASELINE_UNREADABLE';
}

/**
 * Reads the fingerprints of a previous run: a `--format json` report (`findings[].fingerprint`)
 * or a SARIF log (`partialFingerprints`). Fingerprints hash control, file and resource, not line
 * numbers, so moving code does not resurrect baselined findings.
 */
export function readBaseline(path: string): Set<string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new BaselineError(
      `cannot read baseline ${path}: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  const fingerprints = new Set<string>();
  // Valid JSON of the wrong shape (null, null entries) is skipped entry by entry, never dereferenced.
  const root = isRecord(parsed) ? parsed : {};
  if (Array.isArray(root.findings)) {
    for (const finding of root.findings.filter(isRecord)) {
      if (typeof finding.fingerprint === 'string') fingerprints.add(finding.fingerprint);
    }
    return fingerprints;
  }
  if (Array.isArray(root.runs)) {
    for (const run of root.runs.filter(isRecord)) {
      const results = Array.isArray(run.results) ? run.results.filter(isRecord) : [];
      for (const result of results) {
        const partial = isRecord(result.partialFingerprints) ? result.partialFingerprints : {};
        const value = partial['bulwarkFinding/v1'];
        if (typeof value === 'string') fingerprints.add(value);
      }
    }
    return fingerprints;
  }
  throw new BaselineError(`baseline ${path} is neither a bulwark JSON report nor a SARIF log`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
