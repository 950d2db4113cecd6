import { existsSync, readFileSync } from 'fs';
import { join } from 'path';

/** The sample feature repository in this source tree, read at synth time. */
export const LABS_FEATURE_REPO_DIR = join(__dirname, '..', '..', 'labs', 'feature_repo');
/** The files of the feature repository `feast apply` imports (scripts such as gen_data.py stay out). */
export const FEATURE_REPO_FILES = ['features.py', 'permissions.py'] as const;

/** One of {@link FEATURE_REPO_FILES}. */
export type FeatureRepoFile = (typeof FEATURE_REPO_FILES)[number];

/**
 * The feature repository files of `dir`, by file name, read at synth time and checked with
 * {@link checkFeatureRepo}; throws when one is missing or unsafe.
 */
export function readFeatureRepo(dir: string): Record<FeatureRepoFile, string> {
  const files: Partial<Record<FeatureRepoFile, string>> = {};
  for (const name of FEATURE_REPO_FILES) {
    const path = join(dir, name);
    if (!existsSync(path)) {
      throw new Error(`FeastChart: feature repository ${dir} has no ${name}`);
    }
    files[name] = readFileSync(path, 'utf8');
  }
  const repo = files as Record<FeatureRepoFile, string>;
  checkFeatureRepo(repo, dir);
  return repo;
}

/**
 * Throws when the repository's permissions would break the registry or open the server: Feast
 * 0.67 cannot read an AllowAll permission back from the registry (every later read fails), and a
 * repository without permissions grants every signed-in user full access.
 * @param files the repository files by name
 * @param dir where they were read from, for the message
 */
export function checkFeatureRepo(files: Readonly<Record<FeatureRepoFile, string>>, dir: string): void {
  const permissions = join(dir, 'permissions.py');
  const code = withoutCommentsAndDocstrings(files['permissions.py']);
  if (/\bAllowAll\b/.test(code)) {
    throw new Error(
      `FeastChart: ${permissions} uses AllowAll, which corrupts the Feast 0.67 registry; use GroupBasedPolicy or RoleBasedPolicy`,
    );
  }
  if (!/\bPermission\s*\(/.test(code)) {
    throw new Error(
      `FeastChart: ${permissions} defines no Permission; without one Feast grants every signed-in user full access`,
    );
  }
}

/** Python source without `#` comments and triple-quoted strings (a guard, not a parser). */
function withoutCommentsAndDocstrings(source: string): string {
  return source
    .replace(/("""|''')[\s\S]*?\1/g, '')
    .split('\n')
    .map((line) => line.replace(/#.*$/, ''))
    .join('\n');
}
