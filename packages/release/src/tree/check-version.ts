import semver from 'semver';
import { ReleaseError } from '../errors.js';
import { headCommit, releaseTagsAtHead } from '../git.js';
import { type ReleaseCheckResult, type ReleaseFinding, statusOf } from '../model.js';
import {
  isRecord,
  releasedOnly,
  type WorkspaceManifest,
  workspacesAtRef,
  workspacesInTree,
} from '../workspaces.js';
import { type BreakingChange, breakingChangesSince } from './breaking-changes.js';
import { type ReleaseTag, releaseTags, versionOfTag } from './release-tags.js';
import { allowsBreaking, bumpNeededForBreaking, smallestBreakingVersion } from './version-bump.js';

export interface VersionCheckOptions {
  /** The repository (absolute). */
  readonly root: string;
  /** Release tags, as a `git tag --list` pattern (`v*`); tags are `v<version>`. */
  readonly tags: string;
  /** Globs over workspace directories: the packages released (private ones never are). */
  readonly packages: readonly string[];
  /** Breaking changes found elsewhere (API diffs); they need the same bump as computed ones. */
  readonly breakingChanges?: readonly BreakingChange[];
}

/** Fields whose ranges npm resolves against the workspace's own packages. */
const DEPENDENCY_FIELDS = [
  'dependencies',
  'optionalDependencies',
  'peerDependencies',
  'devDependencies',
] as const;

/**
 * Check `version`: the released packages move together (one version, lockstep), to a valid semver
 * version above the last release tag reachable from HEAD (any version on a first release). When
 * HEAD carries a release tag, it names this version. A breaking change since the last tag (a
 * released package gone, an `exports` subpath removed, or one the caller passes) needs a major
 * bump, a minor one in 0.x (see version-bump.ts). Every workspace's range on a released package
 * must accept the new version: npm links a workspace only when the range matches, and a
 * published package whose range misses its sibling's new version pulls the old one.
 */
export async function checkVersion(options: VersionCheckOptions): Promise<ReleaseCheckResult> {
  const { root } = options;
  await headCommit(root);
  const workspaces = await workspacesInTree(root);
  const released = releasedOnly(workspaces, options.packages);
  if (released.length === 0) {
    throw new ReleaseError(
      'BW_RELEASE_CONFIG',
      `no package to release: no public workspace matches ${options.packages.join(', ')}`,
    );
  }

  const invalid = invalidVersions(released);
  if (invalid.length > 0) {
    return result(invalid, `${invalid.length} released package(s) without a single valid version`);
  }
  const version = (released[0] as WorkspaceManifest).version as string;
  const packages = `${released.length} package${released.length === 1 ? '' : 's'}`;

  const findings: ReleaseFinding[] = [];
  const atHead = await releaseTagsAtHead(root, options.tags);
  if (atHead.length > 0 && !atHead.some((tag) => versionOfTag(tag) === version)) {
    findings.push({
      id: `tag:${atHead[0]}`,
      message: `HEAD is at ${atHead.join(', ')}, but the packages are at ${version}: the release tag must be v${version}`,
      location: atHead[0],
    });
  }
  // Tags on HEAD are this release, not the previous one.
  const previous = (await releaseTags(root, options.tags, { mergedIntoHead: true })).find(
    (tag) => !atHead.includes(tag.name),
  );
  if (previous && !semver.gt(version, previous.version)) {
    findings.push({
      id: `not-bumped:${version}`,
      message: `version ${version} is not greater than the last release ${previous.name}: bump it (npm version <patch|minor|major> --workspaces)`,
      location: previous.name,
    });
  } else {
    const taken = (await releaseTags(root, options.tags)).find(
      (tag) => tag.version === version && !atHead.includes(tag.name),
    );
    if (taken) {
      findings.push({
        id: `tag:${taken.name}`,
        message: `${version} is already released (${taken.name} is on another commit): bump the version`,
        location: taken.name,
      });
    }
  }

  const breaking = previous ? await breakingSince(root, previous, released, options) : [];
  const blocked = previous !== undefined && !allowsBreaking(previous.version, version);
  if (previous && blocked) findings.push(...breaking.map((b) => bumpFinding(b, previous, version)));

  findings.push(...rangeFindings(workspaces, released, version));

  const since = previous ? `last release ${previous.name}` : 'first release';
  const breakingNote =
    breaking.length > 0
      ? `; ${breaking.length} breaking change${breaking.length === 1 ? '' : 's'}`
      : '';
  return result(findings, `${version} across ${packages}; ${since}${breakingNote}`);
}

function result(findings: ReleaseFinding[], summary: string): ReleaseCheckResult {
  return { check: 'version', status: statusOf(findings), summary, findings };
}

/** Each released package needs a valid semver version, and all the same one (lockstep). */
function invalidVersions(released: readonly WorkspaceManifest[]): ReleaseFinding[] {
  const findings: ReleaseFinding[] = [];
  for (const workspace of released) {
    const { version } = workspace;
    if (version === undefined || semver.valid(version) !== version) {
      findings.push({
        id: `version:${workspace.name}`,
        message: `${workspace.name || workspace.dir} has ${version === undefined ? 'no version' : `version ${JSON.stringify(version)}, which is not valid semver`}`,
        location: `${workspace.dir}/package.json`,
      });
    }
  }
  if (findings.length > 0) return findings;
  const byVersion = new Map<string, string[]>();
  for (const workspace of released) {
    const version = workspace.version as string;
    byVersion.set(version, [...(byVersion.get(version) ?? []), workspace.name]);
  }
  if (byVersion.size === 1) return [];
  const listed = [...byVersion].map(([version, names]) => `${version} (${names.join(', ')})`);
  return [
    {
      id: 'lockstep',
      message: `released packages must share one version (lockstep), found ${listed.join('; ')}`,
    },
  ];
}

/** The caller's breaking changes and those package.json files prove since `previous`. */
async function breakingSince(
  root: string,
  previous: ReleaseTag,
  released: readonly WorkspaceManifest[],
  options: VersionCheckOptions,
): Promise<BreakingChange[]> {
  const before = releasedOnly(await workspacesAtRef(root, previous.name), options.packages);
  return [
    ...(options.breakingChanges ?? []),
    ...breakingChangesSince(previous.name, before, released),
  ];
}

function bumpFinding(
  change: BreakingChange,
  previous: ReleaseTag,
  version: string,
): ReleaseFinding {
  const bump = bumpNeededForBreaking(previous.version);
  const why = bump === 'minor' ? ' (in 0.x the minor is the breaking position)' : '';
  return {
    id: `breaking:${change.source}:${change.message}`,
    message: `${change.message}: a breaking change needs a ${bump} bump${why}, at least ${smallestBreakingVersion(previous.version)}, not ${version}`,
    location: change.source,
  };
}

/** A range on a released package that the new version falls outside of. */
function rangeFindings(
  workspaces: readonly WorkspaceManifest[],
  released: readonly WorkspaceManifest[],
  version: string,
): ReleaseFinding[] {
  const names = new Set(released.map((workspace) => workspace.name));
  const findings: ReleaseFinding[] = [];
  for (const workspace of workspaces) {
    for (const field of DEPENDENCY_FIELDS) {
      const dependencies = workspace.manifest[field];
      if (!isRecord(dependencies)) continue;
      for (const [name, range] of Object.entries(dependencies)) {
        // workspace:, file:, link: and npm: aliases are not ranges npm matches against a version.
        if (!names.has(name) || typeof range !== 'string' || semver.validRange(range) === null) {
          continue;
        }
        if (semver.satisfies(version, range)) continue;
        const line = lineOf(workspace.text, field, name);
        findings.push({
          id: `range:${workspace.name}:${name}`,
          message: `${workspace.name} ${field} has ${name}@"${range}", which does not accept ${version}: change it to "^${version}"`,
          location: `${workspace.dir}/package.json${line ? `:${line}` : ''}`,
        });
      }
    }
  }
  return findings;
}

/** The line of `"name":` inside the `"field"` block of a package.json, 1-based. */
function lineOf(text: string, field: string, name: string): number | undefined {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.includes(`"${field}"`));
  if (start < 0) return undefined;
  const quoted = JSON.stringify(name);
  const offset = lines.slice(start).findIndex((line) => line.trimStart().startsWith(quoted));
  return offset < 0 ? undefined : start + offset + 1;
}
