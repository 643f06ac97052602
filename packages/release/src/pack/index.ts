export { canonicalMode, isCanonicalMode } from './canonical-modes.js';
export { missingEntryPoints } from './entry-points.js';
export {
  type PackedTarball,
  type PackWorkspacesOptions,
  packWorkspaces,
} from './pack-workspaces.js';
export { type ReleasedWorkspace, releasedWorkspaces } from './released-workspaces.js';
