import { execFile } from 'node:child_process';
import { ReleaseError } from '../errors.js';

/** What one `npm audit --json` run produced. */
export type NpmAuditOutcome =
  /** The advisory service answered: npm's report (it may list no vulnerabilities). */
  | { readonly kind: 'report'; readonly report: NpmAuditReport }
  /** The advisory service could not be asked: the scan did not happen. */
  | { readonly kind: 'unreachable'; readonly cause: string };

/** The parts of npm's audit report (auditReportVersion 2) the scan reads. */
export interface NpmAuditReport {
  readonly vulnerabilities: Readonly<Record<string, NpmVulnerability>>;
  readonly metadata?: { readonly dependencies?: { readonly total?: number } };
}

export interface NpmVulnerability {
  readonly name: string;
  readonly severity: string;
  /** Advisories against this package, or names of vulnerable packages it depends on. */
  readonly via: ReadonlyArray<NpmAdvisory | string>;
  readonly fixAvailable?: boolean | { readonly name: string; readonly version: string };
}

export interface NpmAdvisory {
  /** npm's advisory number. */
  readonly source: number;
  /** The package the advisory is for. */
  readonly name: string;
  readonly title: string;
  /** `https://github.com/advisories/GHSA-…` */
  readonly url?: string;
  readonly severity: string;
  /** The vulnerable versions. */
  readonly range?: string;
}

export interface NpmAuditOptions {
  readonly root: string;
  readonly omitDev: boolean;
  readonly registry?: string;
}

// Audit reports of large trees run to megabytes.
const MAX_OUTPUT = 256 * 1024 * 1024;

// npm's error codes for a request that never got an answer; `E` + an HTTP status is an answer
// that was an error. Either way the advisories were not read.
const NETWORK_ERROR =
  /^(E\d{3}|ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ESOCKETTIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE|FETCH_ERROR|ERR_SOCKET_TIMEOUT|UNABLE_TO_.*|CERT_.*|SELF_SIGNED_CERT.*|DEPTH_ZERO_SELF_SIGNED_CERT)$/;

/**
 * Runs the real `npm audit --json` in `root` against the lockfile alone (`--package-lock-only`:
 * node_modules need not exist) and sorts its outcome into a report or "the advisory service could
 * not be asked". npm exits 1 both when it found vulnerabilities and when the endpoint failed, so
 * the exit code says nothing: the JSON it printed does. Anything else (no lockfile, npm missing)
 * is an environment the scan cannot run in: ReleaseError BW_RELEASE_AUDIT.
 */
export async function runNpmAudit(options: NpmAuditOptions): Promise<NpmAuditOutcome> {
  const args = ['audit', '--json', '--package-lock-only'];
  if (options.omitDev) args.push('--omit', 'dev');
  if (options.registry) args.push('--registry', options.registry);
  const { stdout, stderr, spawnError } = await npm(args, options.root);
  if (spawnError) {
    throw new ReleaseError('BW_RELEASE_AUDIT', `npm audit could not start: ${spawnError}`);
  }
  const output = parseJson(stdout);
  if (isObject(output) && isObject(output.vulnerabilities)) {
    return { kind: 'report', report: output as unknown as NpmAuditReport };
  }
  // npm's audit-error output: the endpoint answered with an error status, or the request failed.
  if (isObject(output) && typeof output.message === 'string') {
    return { kind: 'unreachable', cause: redactUrls(firstLine(output.message)) };
  }
  // Any other failure: npm's JSON error (`{error: {code, summary}}`), or its stderr.
  const error = isObject(output) && isObject(output.error) ? output.error : {};
  const code = typeof error.code === 'string' ? error.code : npmErrorCode(stderr);
  const summary =
    typeof error.summary === 'string' && error.summary.trim()
      ? firstLine(error.summary)
      : errorLine(stderr);
  if (code && NETWORK_ERROR.test(code)) {
    return { kind: 'unreachable', cause: redactUrls(summary) };
  }
  const coded = code ? `${code}: ` : '';
  throw new ReleaseError('BW_RELEASE_AUDIT', `npm audit failed: ${coded}${redactUrls(summary)}`);
}

function npm(
  args: readonly string[],
  cwd: string,
): Promise<{ stdout: string; stderr: string; spawnError?: string }> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      [...args],
      { cwd, maxBuffer: MAX_OUTPUT, encoding: 'utf8' },
      (error, stdout, stderr) => {
        // A non-zero exit is expected (vulnerabilities found); only a failure to run npm at all,
        // or output past the buffer, leaves nothing to read.
        const code = (error as NodeJS.ErrnoException | null)?.code;
        const spawnError =
          typeof code === 'string' ? `${code}: ${firstLine(error?.message ?? '')}` : undefined;
        resolve({ stdout, stderr, ...(spawnError ? { spawnError } : {}) });
      },
    );
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** npm writes `npm error code ECONNREFUSED` before the message. */
function npmErrorCode(stderr: string): string | undefined {
  return /^npm (?:error|ERR!) code (\S+)/m.exec(stderr)?.[1];
}

/** The first `npm error` line that is not the code or the log-file pointer: npm's own words. */
function errorLine(stderr: string): string {
  const lines = stderr.split('\n').map((line) => line.trim());
  const message = lines.find(
    (line) =>
      /^npm (?:error|ERR!) /.test(line) &&
      !/^npm (?:error|ERR!) (?:code |errno |A complete log|$)/.test(line),
  );
  const line = message ?? lines.find((candidate) => candidate.length > 0) ?? 'no output';
  return line.replace(/^npm (?:error|ERR!) /, '');
}

function firstLine(text: string): string {
  return text.split('\n')[0]?.trim() ?? '';
}

/** A registry URL may carry credentials (`https://user:token@host/`); messages never do. */
function redactUrls(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi, '$1***@');
}
