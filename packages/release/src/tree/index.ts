export { type BreakingChange, breakingChangesSince, exportedSubpaths } from './breaking-changes.js';
export { checkTree, MAX_LISTED_CHANGES, type TreeCheckOptions } from './check-tree.js';
export { checkVersion, type VersionCheckOptions } from './check-version.js';
export { type ReleaseTag, releaseTags, versionOfTag } from './release-tags.js';
export { allowsBreaking, bumpNeededForBreaking, type NeededBump } from './version-bump.js';
