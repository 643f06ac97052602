import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  CONTRACT_CONFIG_FILE,
  diffContracts,
  loadContractConfig,
  loadOpenApiDocument,
  renderDiffConsole,
  renderDiffJson,
  renderDiffJunit,
  renderDiffMarkdown,
} from '@bulwark/contract';
import type { SetExitCode } from '../commands/index.js';
import { EXIT } from '../exit-codes.js';
import { createTerminal } from '../output/terminal.js';
import type { CheckFormat } from './check.js';
import { contracted, contractedAsync } from './settings.js';

interface DiffFlags {
  format: CheckFormat;
  config?: string;
}

/**
 * `bulwark contract diff OLD NEW`: classifies every change between two OpenAPI documents; exit 1
 * on a breaking change the version does not excuse, 2 on input that is not a usable document.
 * Level overrides come from `--config`, else from ./bulwark.contract.yaml when there is one.
 */
export async function runContractDiff(
  older: string,
  newer: string,
  flags: DiffFlags,
  setExitCode: SetExitCode,
): Promise<void> {
  const configFile = flags.config ?? join(process.cwd(), CONTRACT_CONFIG_FILE);
  const levels =
    flags.config !== undefined || existsSync(configFile)
      ? contracted(() => loadContractConfig(process.cwd(), configFile)).levels
      : {};
  const terminal = createTerminal();
  terminal.progress(`loading ${older} and ${newer}`);
  const diff = await contractedAsync(async () => {
    const [a, b] = await Promise.all([
      loadOpenApiDocument(resolve(older)),
      loadOpenApiDocument(resolve(newer)),
    ]);
    return diffContracts(a, b, { levels });
  }).finally(() => terminal.progressDone());
  const render = {
    console: () => renderDiffConsole(diff, { color: terminal.color.isColorSupported }),
    json: () => renderDiffJson(diff),
    junit: () => renderDiffJunit(diff),
    markdown: () => renderDiffMarkdown(diff),
  }[flags.format];
  terminal.out(render().replace(/\n$/, ''));
  setExitCode(diff.verdict === 'pass' ? EXIT.ok : EXIT.checksFailed);
}
