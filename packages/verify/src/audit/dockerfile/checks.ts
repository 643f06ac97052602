import type { Property } from 'dockerfile-ast';
import {
  isRootUser,
  latestImage,
  secretLiteral,
  unpinnedImage,
  weakCredential,
} from '../conventions.js';
import { FindingCollector } from '../findings.js';
import type { Location, RawFinding } from '../model.js';
import { type DockerImage, effectiveHealthcheck, effectiveUser, type Stage } from './image.js';

export const DOCKERFILE_RESOURCE = 'Dockerfile';

/** Judges the image a Dockerfile builds: the final stage's effective user and health check, plus build hygiene. */
export function checkDockerfile(image: DockerImage): RawFinding[] {
  const findings = new FindingCollector(DOCKERFILE_RESOURCE, undefined, {
    file: image.file,
    line: 1,
    column: 1,
  });
  const final = image.stages.at(-1);
  if (!final) return [];
  const stageNames = new Set(image.stages.map((stage) => stage.name).filter(Boolean));
  const shipped = new Set<Stage>();
  for (let stage: Stage | undefined = final; stage; stage = stage.parent) shipped.add(stage);

  const user = effectiveUser(final);
  const nonRootBase =
    user.instruction === undefined && /(^|[:-])nonroot\b/.test(rootOf(final).image);
  if (isRootUser(user.user) && !nonRootBase) {
    findings.reportAt(
      'BW-USER-NONROOT',
      'USER',
      user.instruction
        ? `the final stage runs as ${user.user}`
        : 'the final stage has no USER instruction, so it runs as root',
      user.instruction?.location ?? final.from,
    );
  }

  const health = effectiveHealthcheck(final);
  if (!health.present) {
    findings.reportAt(
      'BW-HEALTHCHECK',
      'HEALTHCHECK',
      health.instruction
        ? 'the final stage disables the health check (HEALTHCHECK NONE)'
        : 'the final stage has no HEALTHCHECK',
      health.instruction?.location ?? final.from,
    );
  }

  if (image.stages.length < 2) {
    findings.reportAt(
      'BW-DOCKERFILE-MULTISTAGE',
      'FROM',
      'single-stage build: build tools ship in the runtime image',
      final.from,
    );
  }

  for (const stage of image.stages) {
    const base = stage.image;
    if (!stage.parent && base.toLowerCase() !== 'scratch')
      checkImage(findings, base, stage.from, 'FROM');
    for (const instruction of stage.instructions) {
      const args = instruction.text;
      if (instruction.keyword === 'COPY') {
        const from = /--from=(\S+)/.exec(args)?.[1];
        if (from && !stageNames.has(from.toLowerCase()) && !/^\d+$/.test(from)) {
          checkImage(findings, from, instruction.location, 'COPY --from');
        }
      }
      if (
        instruction.keyword === 'ADD' &&
        !/--checksum=/.test(args) &&
        /(^|\s)(https?:\/\/|git@)/.test(args)
      ) {
        findings.reportAt(
          'BW-DOCKERFILE-ADD-URL',
          'ADD',
          'ADD downloads from a URL without a checksum',
          instruction.location,
        );
      }
      if (instruction.keyword === 'RUN') {
        if (
          /\b(curl|wget)\b[^|;&]*\|\s*(sudo\s+)?(ba|z|da|k)?sh\b/.test(args) ||
          /\bsh\s+-c\s+["']?\$\((curl|wget)\b/.test(args)
        ) {
          findings.reportAt(
            'BW-DOCKERFILE-CURL-PIPE',
            'RUN',
            'RUN pipes a download straight into a shell',
            instruction.location,
          );
        }
        const cache = shipped.has(stage) ? uncleanedCache(args) : undefined;
        if (cache) findings.reportAt('BW-DOCKERFILE-PKG-CACHE', 'RUN', cache, instruction.location);
      }
      if (instruction.keyword === 'ENV' || instruction.keyword === 'ARG') {
        const properties = (
          instruction.raw as unknown as { getProperties(): Property[] }
        ).getProperties();
        for (const property of properties) {
          const name = property.getName();
          const value = property.getValue();
          if (value === null) continue;
          const start = property.getRange().start;
          const location: Location = {
            file: image.file,
            line: start.line + 1,
            column: start.character + 1,
          };
          const weak = weakCredential(name, value);
          if (weak)
            findings.reportAt('BW-CREDENTIALS-DEFAULT', instruction.keyword, weak, location);
          const literal = secretLiteral(name, value);
          if (literal) {
            findings.reportAt(
              'BW-SECRET-LITERAL',
              instruction.keyword,
              `${literal}; it is baked into the image history`,
              location,
            );
          }
        }
      }
    }
  }
  return findings.findings;
}

function rootOf(stage: Stage): Stage {
  let current = stage;
  while (current.parent) current = current.parent;
  return current;
}

function checkImage(
  findings: FindingCollector,
  image: string,
  location: Location,
  where: string,
): void {
  const unpinned = unpinnedImage(image);
  if (unpinned) findings.reportAt('BW-IMAGE-DIGEST', where, `base ${unpinned}`, location);
  const latest = latestImage(image);
  if (latest) findings.reportAt('BW-IMAGE-LATEST', where, `base ${latest}`, location);
}

/** Why a RUN leaves a package-manager cache in the image, or undefined. */
function uncleanedCache(command: string): string | undefined {
  if (/--mount=type=cache/.test(command)) return undefined;
  if (
    /\bapt(-get)?\s+(-\S+\s+)*install\b/.test(command) &&
    !/rm\s+-[rf]+\s+\/var\/lib\/apt\/lists/.test(command)
  ) {
    return 'apt-get install without removing /var/lib/apt/lists in the same RUN';
  }
  if (/\bapk\s+(-\S+\s+)*add\b/.test(command) && !/--no-cache\b/.test(command)) {
    return 'apk add without --no-cache';
  }
  if (/\bpip3?\s+install\b/.test(command) && !/--no-cache-dir\b/.test(command)) {
    return 'pip install without --no-cache-dir';
  }
  if (
    /\b(yum|dnf|microdnf)\s+(-\S+\s+)*install\b/.test(command) &&
    !/\b(yum|dnf|microdnf)\s+clean\s+all\b/.test(command)
  ) {
    return 'yum/dnf install without clean all';
  }
  return undefined;
}
