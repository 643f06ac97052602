import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ReleaseError } from '../errors.js';

const TOOL = '@cyclonedx/cyclonedx-npm';
// Pinned so an upgrade of the tool does not change the SBOM's format under a release.
export const CYCLONEDX_SPEC_VERSION = '1.6';

export interface CycloneDxNpmOptions {
  /** The project: its package.json and package-lock.json. */
  readonly root: string;
  /** Where the JSON SBOM goes, absolute. */
  readonly outFile: string;
  readonly omitDev: boolean;
}

/**
 * Runs CycloneDX's own npm SBOM generator (`cyclonedx-npm`), the installed one, under this
 * Node. It reads the lockfile alone (`--package-lock-only`: node_modules need not match) and
 * writes reproducibly (`--output-reproducible`: no timestamp, no random serial number), so the
 * same lockfile gives the same bytes and the SBOM's digest can be attested.
 * A failure is ReleaseError BW_RELEASE_SBOM with the tool's error line.
 */
export async function runCycloneDxNpm(options: CycloneDxNpmOptions): Promise<void> {
  const bin = await toolBin();
  const args = [
    bin,
    '--output-format',
    'JSON',
    '--output-file',
    options.outFile,
    '--spec-version',
    CYCLONEDX_SPEC_VERSION,
    '--package-lock-only',
    '--output-reproducible',
    '--validate',
    ...(options.omitDev ? ['--omit', 'dev'] : []),
  ];
  // The tool (and the `npm ls` it runs) leaves devDependencies out whenever NODE_ENV is
  // production; the SBOM's scope is the caller's choice, not an ambient variable's.
  const { NODE_ENV: _ignored, ...env } = process.env;
  await new Promise<void>((resolve, reject) => {
    execFile(
      process.execPath,
      args,
      { cwd: options.root, env, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, _stdout, stderr) => {
        if (!error) {
          resolve();
          return;
        }
        reject(new ReleaseError('BW_RELEASE_SBOM', `cyclonedx-npm: ${errorLine(stderr, error)}`));
      },
    );
  });
}

/**
 * The tool's bin script. Its package exports neither `./package.json` nor its bin, so resolve
 * its entry point the way Node would from here and walk up to the package's own manifest.
 */
async function toolBin(): Promise<string> {
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve(TOOL);
  } catch {
    throw new ReleaseError('BW_RELEASE_SBOM', `${TOOL} is not installed: cannot write the SBOM`);
  }
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = await readManifest(join(dir, 'package.json'));
    if (manifest?.name !== TOOL) continue;
    const bin = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin?.['cyclonedx-npm'];
    if (!bin) break;
    return join(dir, bin);
  }
  throw new ReleaseError('BW_RELEASE_SBOM', `${TOOL} names no cyclonedx-npm bin`);
}

async function readManifest(
  file: string,
): Promise<{ name?: string; bin?: string | Record<string, string> } | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The line that says what went wrong. The tool logs `LEVEL | message` lines (a WARN can come
 * before the ERROR) and ends with `Error: …`; its ERROR line is the most specific.
 */
function errorLine(stderr: string, error: Error): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const line =
    lines.find((candidate) => /^ERROR\s*\|/.test(candidate)) ??
    lines.find((candidate) => /^Error:/.test(candidate)) ??
    lines[0] ??
    error.message.split('\n')[0] ??
    'failed';
  return line.replace(/^ERROR\s*\|\s*/, '').replace(/^Error:\s*/, '');
}
