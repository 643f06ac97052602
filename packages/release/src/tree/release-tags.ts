import semver from 'semver';
import { gitOutput, lines } from '../git.js';

export interface ReleaseTag {
  readonly name: string;
  readonly version: string;
}

/**
 * The version a release tag names: `v1.2.3` → `1.2.3` (a `release/` style prefix before the last
 * slash is allowed). Undefined for a tag matching the pattern that is not a version.
 */
export function versionOfTag(tag: string): string | undefined {
  const candidate = tag.slice(tag.lastIndexOf('/') + 1).replace(/^v/, '');
  return semver.valid(candidate) === candidate ? candidate : undefined;
}

/**
 * Version tags matching `pattern`, newest version first. `--merged HEAD` keeps the tags reachable
 * from HEAD, so a patch on a maintenance branch (release/1.x) is compared with 1.x's last
 * release, not with a 2.0.0 made on main. git's `-v:refname` order puts 1.0.0-rc.1 after 1.0.0,
 * so the list is re-sorted by semver precedence.
 */
export async function releaseTags(
  root: string,
  pattern: string,
  options: { readonly mergedIntoHead?: boolean } = {},
): Promise<ReleaseTag[]> {
  const args = ['tag', '--list', pattern, '--sort=-v:refname'];
  if (options.mergedIntoHead) args.push('--merged', 'HEAD');
  const tags: ReleaseTag[] = [];
  for (const name of lines(await gitOutput(root, args))) {
    const version = versionOfTag(name);
    if (version) tags.push({ name, version });
  }
  return tags.sort((a, b) => semver.rcompare(a.version, b.version));
}
