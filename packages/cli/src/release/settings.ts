import { relative } from 'node:path';
import { loadReleaseConfig, type ReleaseConfig, ReleaseError } from '@bulwark/release';
import type { Command } from 'commander';
import { ChecksFailedError, UsageError } from '../exit-codes.js';
import { formatOption } from '../main.js';

export interface ConfigFlags {
  config?: string;
  format: 'table' | 'json';
}

export function withConfig(command: Command): Command {
  return command
    .option('--config <file>', 'the release settings (default: bulwark.release.yaml at the root)')
    .addOption(formatOption());
}

/** The repository root (the working directory) and its release settings. */
export function configOf(flags: ConfigFlags): { root: string; config: ReleaseConfig } {
  const root = process.cwd();
  return { root, config: releaseConfig(() => loadReleaseConfig(root, flags.config)) };
}

function releaseConfig(load: () => ReleaseConfig): ReleaseConfig {
  try {
    return load();
  } catch (error) {
    if (error instanceof ReleaseError) throw new UsageError(error.message);
    throw error;
  }
}

/**
 * Runs a release step, turning its ReleaseError into the CLI's one line: a blocked release
 * (BW_RELEASE_BLOCKED) exits 1, everything else (bad input, git or npm unusable) exits 2.
 */
export async function released<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (!(error instanceof ReleaseError)) throw error;
    if (error.code === 'BW_RELEASE_BLOCKED') throw new ChecksFailedError(error.message);
    throw new UsageError(error.message);
  }
}

/** Relative to the working directory when inside it. */
export function shown(path: string): string {
  const inside = relative(process.cwd(), path);
  return inside && !inside.startsWith('..') ? inside : path;
}
