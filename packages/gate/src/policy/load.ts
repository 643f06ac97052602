import { open } from 'node:fs/promises';
import { PolicyError } from '../errors.js';
import type { PolicyDocument } from './types.js';
import { describePolicyProblem, policyProblem } from './validate.js';
import { MAX_POLICY_BYTES, MAX_POLICY_MIB, readPolicyYaml } from './yaml-input.js';

/**
 * Reading a policy: text within the input limits → one YAML (or JSON) document → the JSON Schema
 * → the semantic checks. Every error is a PolicyError naming the place in the file:
 * `policy.yaml:12:9: modes.WORK.rules[3].effect: must be one of allow, deny, approval`.
 */
export function parsePolicy(text: string | Uint8Array, source: string): PolicyDocument {
  const yaml = readPolicyYaml(text, source);
  const problem = policyProblem(yaml.value);
  if (problem) {
    const { line, column } = yaml.locate(problem.path);
    throw new PolicyError(`${source}:${line}:${column}: ${describePolicyProblem(problem)}`);
  }
  return yaml.value as PolicyDocument;
}

/** Reads and parses a policy file; a file over the size limit is refused before it is read. */
export async function loadPolicyFile(path: string): Promise<PolicyDocument> {
  let bytes: Buffer;
  try {
    const file = await open(path, 'r');
    try {
      const { size, isFile } = await file
        .stat()
        .then((s) => ({ size: s.size, isFile: s.isFile() }));
      if (!isFile) throw new PolicyError(`${path}: cannot read the policy (not a file)`);
      if (size > MAX_POLICY_BYTES) {
        throw new PolicyError(
          `${path}: larger than the policy input limit of ${MAX_POLICY_MIB} MiB`,
        );
      }
      bytes = await file.readFile();
    } finally {
      await file.close();
    }
  } catch (error) {
    if (error instanceof PolicyError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code;
    throw new PolicyError(`${path}: cannot read the policy (${why ?? (error as Error).message})`, {
      cause: error,
    });
  }
  return parsePolicy(bytes, path);
}
