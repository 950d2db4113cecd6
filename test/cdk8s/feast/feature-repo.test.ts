import { cpSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import {
  checkFeatureRepo,
  FEATURE_REPO_FILES,
  LABS_FEATURE_REPO_DIR,
  readFeatureRepo,
} from '../../../cdk8s/feast/feature-repo';
import { testValues } from '../../support/chart-values';
import { testTempDir } from '../../support/tmp';
import { synthFeast } from './support';

const DIR = '/repo';
const FEATURES = 'from feast import Entity\n';
const repo = (permissions: string) => ({ 'features.py': FEATURES, 'permissions.py': permissions });

describe('checkFeatureRepo', () => {
  test('accepts permissions.py with a group-based Permission', () => {
    // GIVEN a Permission with a GroupBasedPolicy
    const files = repo('p = Permission(name="read", policy=GroupBasedPolicy(groups=["learners"]))\n');
    // WHEN the repository is checked
    // THEN it passes
    expect(() => checkFeatureRepo(files, DIR)).not.toThrow();
  });

  test('accepts AllowAll named only in comments and docstrings', () => {
    // GIVEN a file that warns against AllowAll in a docstring and a comment, and defines a Permission
    const files = repo(
      '"""Never policy=AllowAll: the registry cannot read it back."""\n' +
        "'''nor AllowAll here'''\n" +
        'p = Permission(name="read", policy=RoleBasedPolicy(roles=["r"]))  # not AllowAll\n',
    );
    // WHEN the repository is checked
    // THEN it passes
    expect(() => checkFeatureRepo(files, DIR)).not.toThrow();
  });

  test('accepts the labs sample repository', () => {
    // GIVEN the sample repository's files
    const files = Object.fromEntries(
      FEATURE_REPO_FILES.map((f) => [f, readFileSync(join(LABS_FEATURE_REPO_DIR, f), 'utf8')]),
    ) as Record<(typeof FEATURE_REPO_FILES)[number], string>;
    // WHEN they are checked
    // THEN they pass
    expect(() => checkFeatureRepo(files, LABS_FEATURE_REPO_DIR)).not.toThrow();
  });

  test('fails when permissions.py uses AllowAll', () => {
    // GIVEN a Permission with AllowAll
    const files = repo(
      'from feast.permissions.policy import AllowAll\np = Permission(name="all", policy=AllowAll)\n',
    );
    // WHEN the repository is checked
    // THEN it is refused, naming the file and the policies to use instead
    expect(() => checkFeatureRepo(files, DIR)).toThrow(
      'FeastChart: /repo/permissions.py uses AllowAll, which corrupts the Feast 0.67 registry; use GroupBasedPolicy or RoleBasedPolicy',
    );
  });

  test('fails when permissions.py defines no Permission', () => {
    // GIVEN Permission( only in a docstring and a comment
    const files = repo('"""Permission(...) only in a docstring."""\n# Permission(\n');
    // WHEN the repository is checked
    // THEN it is refused: no Permission means full access for everyone signed in
    expect(() => checkFeatureRepo(files, DIR)).toThrow(
      'FeastChart: /repo/permissions.py defines no Permission; without one Feast grants every signed-in user full access',
    );
  });
});

describe('readFeatureRepo', () => {
  let dir: string;
  beforeEach(() => {
    dir = testTempDir('feast-repo');
    cpSync(LABS_FEATURE_REPO_DIR, dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('reads exactly the files feast apply imports', () => {
    // GIVEN a copy of the sample repository, which also holds scripts such as gen_data.py
    // WHEN it is read
    const files = readFeatureRepo(dir);
    // THEN only features.py and permissions.py come back, with their contents
    expect(files).toEqual({
      'features.py': readFileSync(join(dir, 'features.py'), 'utf8'),
      'permissions.py': readFileSync(join(dir, 'permissions.py'), 'utf8'),
    });
  });

  test('fails when the repository has no permissions.py', () => {
    // GIVEN a repository without permissions.py
    rmSync(join(dir, 'permissions.py'));
    // WHEN it is read
    // THEN the error names the directory and the missing file
    expect(() => readFeatureRepo(dir)).toThrow(`FeastChart: feature repository ${dir} has no permissions.py`);
  });

  test('fails when the files read break the guard (permissions.py uses AllowAll)', () => {
    // GIVEN a repository whose permissions.py uses AllowAll
    writeFileSync(join(dir, 'permissions.py'), 'p = Permission(name="all", policy=AllowAll)\n');
    // WHEN it is read
    // THEN the guard refuses it, naming the file read
    expect(() => readFeatureRepo(dir)).toThrow(
      `FeastChart: ${join(dir, 'permissions.py')} uses AllowAll, which corrupts the Feast 0.67 registry; use GroupBasedPolicy or RoleBasedPolicy`,
    );
  });

  test('fails when the chart is given a featureRepoDir whose permissions.py defines no Permission', () => {
    // GIVEN the chart pointed at a repository without a Permission
    writeFileSync(join(dir, 'permissions.py'), '"""Permission(...) only in a docstring."""\n# Permission(\n');
    // WHEN the chart is synthesised
    // THEN it refuses, naming the file
    expect(() => synthFeast(testValues(), { featureRepoDir: dir })).toThrow(
      `FeastChart: ${join(dir, 'permissions.py')} defines no Permission; without one Feast grants every signed-in user full access`,
    );
  });
});
