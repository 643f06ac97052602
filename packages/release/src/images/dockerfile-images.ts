import { type DockerImage, parseImage } from '@bulwark/verify/audit-readers';
import { type ImageUse, variablesIn } from './image-use.js';

/**
 * The images a Dockerfile pulls: each stage's FROM base (not `scratch`, which is no image, and
 * not an earlier stage, which is built here), and `COPY --from=<image>`. ARGs declared before
 * the first FROM are substituted by the parser with their defaults; a base that still names a
 * variable has no default, so the image is whatever the build passes: it is reported as
 * unresolvable rather than guessed.
 */
export function dockerfileImages(image: DockerImage): ImageUse[] {
  const stageNames = new Set(image.stages.flatMap((stage) => (stage.name ? [stage.name] : [])));
  const uses: ImageUse[] = [];
  for (const stage of image.stages) {
    const base = stage.image;
    if (!stage.parent && base !== '' && base.toLowerCase() !== 'scratch') {
      uses.push(withVariables({ reference: base, location: stage.from, user: 'FROM' }));
    }
    for (const instruction of stage.instructions) {
      if (instruction.keyword !== 'COPY') continue;
      const from = /--from=(\S+)/.exec(instruction.text)?.[1];
      // A stage name or index is built here; anything else is an image pulled for the copy.
      if (!from || stageNames.has(from.toLowerCase()) || /^\d+$/.test(from)) continue;
      uses.push(
        withVariables({ reference: from, location: instruction.location, user: 'COPY --from' }),
      );
    }
  }
  return uses;
}

function withVariables(use: ImageUse): ImageUse {
  if (!parseImage(use.reference).templated) return use;
  const names = [...new Set(variablesIn(use.reference))];
  const args = names.map((name) => `ARG ${name}`).join(', ');
  return {
    ...use,
    unresolved: `${args} ${names.length === 1 ? 'has' : 'have'} no default before the first FROM, so the image is whatever the build passes`,
  };
}
