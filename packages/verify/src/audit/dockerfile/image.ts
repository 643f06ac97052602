import { createRequire } from 'node:module';
import type { Instruction } from 'dockerfile-ast';
import type { Location } from '../model.js';

/**
 * dockerfile-ast (with the language-server types it brings, some seventy modules) is loaded by
 * the first Dockerfile parsed, not with the package: every importer of @bulwark/verify paid for
 * it, though only an audit that finds a Dockerfile parses one. `require` keeps the audit
 * synchronous; the package is CommonJS, so this is the module an `import` would give.
 */
const requireOnUse = createRequire(import.meta.url);

/**
 * A Dockerfile as build stages, each knowing its base and the instructions that shape the image
 * at run time. Parsing is done by dockerfile-ast (the parser behind the Docker VS Code language
 * server), which keeps line continuations, escape directives, heredocs and exact ranges.
 */
export interface Stage {
  readonly index: number;
  readonly name?: string;
  readonly image: string;
  readonly from: Location;
  /** The earlier stage this one is built FROM, if any. */
  readonly parent?: Stage;
  readonly instructions: readonly DockerInstruction[];
}

export interface DockerInstruction {
  readonly keyword: string;
  /** The arguments without flags, continuations folded. */
  readonly arguments: string;
  /** Everything after the keyword, flags included (`--from=`, `--checksum=`, `--mount=`). */
  readonly text: string;
  readonly location: Location;
  readonly raw: Instruction;
}

export interface DockerImage {
  readonly file: string;
  readonly stages: readonly Stage[];
  readonly errors: ReadonlyArray<{ message: string; location: Location }>;
}

const KNOWN_INSTRUCTIONS = new Set([
  'FROM',
  'RUN',
  'CMD',
  'LABEL',
  'MAINTAINER',
  'EXPOSE',
  'ENV',
  'ADD',
  'COPY',
  'ENTRYPOINT',
  'VOLUME',
  'USER',
  'WORKDIR',
  'ARG',
  'ONBUILD',
  'STOPSIGNAL',
  'HEALTHCHECK',
  'SHELL',
]);

export function parseDockerfile(text: string, file: string): DockerImage {
  const { DockerfileParser } = requireOnUse('dockerfile-ast') as typeof import('dockerfile-ast');
  const dockerfile = DockerfileParser.parse(text);
  const errors: Array<{ message: string; location: Location }> = [];
  const stages: Stage[] = [];
  let current:
    | { stage: Omit<Stage, 'instructions'>; instructions: DockerInstruction[] }
    | undefined;
  // ARGs declared before the first FROM parameterise the FROM lines; resolve their defaults so a
  // `FROM ${BASE}` is judged on the image it names.
  const initialArgs = new Map<string, string>();
  for (const arg of dockerfile.getInitialARGs()) {
    for (const property of arg.getProperties()) {
      const value = property.getValue();
      if (value !== null) initialArgs.set(property.getName(), value);
    }
  }
  const flush = () => {
    if (current) stages.push({ ...current.stage, instructions: current.instructions });
  };
  for (const raw of dockerfile.getInstructions()) {
    const start = raw.getRange().start;
    const location: Location = { file, line: start.line + 1, column: start.character + 1 };
    const keyword = raw.getKeyword();
    if (!KNOWN_INSTRUCTIONS.has(keyword)) {
      errors.push({ message: `unknown instruction ${raw.getInstruction()}`, location });
      continue;
    }
    const instruction: DockerInstruction = {
      keyword,
      arguments: raw.getArgumentsContent() ?? '',
      text: raw
        .getTextContent()
        .replace(/\\\r?\n/g, ' ')
        .replace(/^\s*\S+\s*/, ''),
      location,
      raw,
    };
    if (keyword === 'FROM') {
      flush();
      const args = raw.getArguments().map((argument) => argument.getValue());
      const flagsSkipped = args.filter((arg) => !arg.startsWith('--'));
      const image = (flagsSkipped[0] ?? '').replace(
        /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
        (whole, braced?: string, bare?: string) => initialArgs.get(braced ?? bare ?? '') ?? whole,
      );
      const asIndex = flagsSkipped.findIndex((arg) => arg.toUpperCase() === 'AS');
      const name = asIndex >= 0 ? flagsSkipped[asIndex + 1]?.toLowerCase() : undefined;
      const parent = stages.find((stage) => stage.name === image.toLowerCase());
      current = {
        stage: { index: stages.length, name, image, from: location, parent },
        instructions: [],
      };
      continue;
    }
    if (!current) {
      if (keyword !== 'ARG') errors.push({ message: `${keyword} before the first FROM`, location });
      continue;
    }
    current.instructions.push(instruction);
  }
  flush();
  if (stages.length === 0 && errors.length === 0) {
    errors.push({ message: 'no FROM instruction', location: { file, line: 1, column: 1 } });
  }
  return { file, stages, errors };
}

/** The last instruction with this keyword in the stage or, failing that, the stages it is built from. */
export function inherited(
  stage: Stage | undefined,
  keyword: string,
): DockerInstruction | undefined {
  for (let current = stage; current; current = current.parent) {
    const found = current.instructions
      .filter((instruction) => instruction.keyword === keyword)
      .at(-1);
    if (found) return found;
  }
  return undefined;
}

/** The stage a build produces: the named target, or the last one. */
export function targetStage(image: DockerImage, target?: string): Stage | undefined {
  if (target) return image.stages.find((stage) => stage.name === target.toLowerCase());
  return image.stages.at(-1);
}

export interface EffectiveUser {
  readonly user: string;
  readonly instruction?: DockerInstruction;
}

/** The user the stage runs as; no USER anywhere in its ancestry means root. */
export function effectiveUser(stage: Stage): EffectiveUser {
  const instruction = inherited(stage, 'USER');
  return { user: instruction ? instruction.arguments.trim() : 'root', instruction };
}

/** Whether the stage (or its ancestry) declares a HEALTHCHECK other than NONE. */
export function effectiveHealthcheck(stage: Stage): {
  present: boolean;
  instruction?: DockerInstruction;
} {
  const instruction = inherited(stage, 'HEALTHCHECK');
  return {
    present: instruction !== undefined && !/^NONE\b/i.test(instruction.arguments.trim()),
    instruction,
  };
}
