import { asWorkload, type KubeObject, locate } from '@bulwark/verify/audit-readers';
import type { ImageUse } from './image-use.js';

const GROUP_LABELS = {
  containers: 'container',
  initContainers: 'initContainer',
  ephemeralContainers: 'ephemeralContainer',
} as const;

/**
 * The images a Kubernetes workload runs: containers, init containers and ephemeral containers of
 * a Pod, or of the pod template of a Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or
 * CronJob, each located at its `image:` key.
 */
export function kubernetesImages(objects: readonly KubeObject[]): ImageUse[] {
  const uses: ImageUse[] = [];
  for (const object of objects) {
    const workload = asWorkload(object);
    if (!workload) continue;
    for (const container of workload.containers) {
      const image = container.spec.image;
      if (typeof image !== 'string') continue;
      uses.push({
        reference: image,
        location: locate(object.locateIn ?? object.value, [...container.path, 'image'], object.at),
        user: `${object.kind}/${object.name} ${GROUP_LABELS[container.group]} ${container.name}`,
      });
    }
  }
  return uses;
}
