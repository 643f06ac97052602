import { resolve } from 'node:path';
import { type ContractConfig, ContractError, loadContractConfig } from '@bulwark/contract';
import { UsageError } from '../exit-codes.js';

export interface ContractFlags {
  root?: string;
  config?: string;
}

/** The repository root and its bulwark.contract.yaml; a bad file is one line and exit 2. */
export function contractConfigOf(flags: ContractFlags): { root: string; config: ContractConfig } {
  const root = resolve(flags.root ?? '.');
  return { root, config: contracted(() => loadContractConfig(root, flags.config)) };
}

/** Runs a contract step, turning its ContractError (bad input) into the CLI's one line. */
export function contracted<T>(step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof ContractError) throw new UsageError(error.message);
    throw error;
  }
}

/** The same for a step that returns a promise. */
export async function contractedAsync<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof ContractError) throw new UsageError(error.message);
    throw error;
  }
}
