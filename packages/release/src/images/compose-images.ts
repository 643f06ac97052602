import type { Location } from '@bulwark/verify';
import { type ComposeService, locate, provenanceOf } from '@bulwark/verify/audit-readers';
import type { ImageUse } from './image-use.js';

/**
 * The images a compose project pulls: `image:` of each service without `build:` (a service with
 * both builds its image, and names it with `image:`; its base is checked in its Dockerfile).
 * Values are read after compose interpolation (`${TAG:-7}`, the project's .env), so an image
 * that needs a variable nobody sets cannot be judged: it is reported as unresolvable.
 */
export function composeImages(services: readonly ComposeService[]): ImageUse[] {
  const uses: ImageUse[] = [];
  for (const service of services) {
    const { image, build } = service.value;
    if (typeof image !== 'string' || build !== undefined) continue;
    const location: Location = locate(service.value, ['image'], service.at);
    const user = `compose service ${service.name}`;
    if (provenanceOf(service.value, 'image') === 'unset') {
      uses.push({
        reference: image,
        location,
        user,
        unresolved: 'it uses a variable with no default that neither .env nor the file sets',
      });
    } else {
      uses.push({ reference: image, location, user });
    }
  }
  return uses;
}
