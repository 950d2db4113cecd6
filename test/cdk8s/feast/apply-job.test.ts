import * as kplus from 'cdk8s-plus-27';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { createApplyJob, FEATURE_REPO_MOUNT } from '../../../cdk8s/feast/apply-job';
import { FEATURE_REPO_FILES, LABS_FEATURE_REPO_DIR } from '../../../cdk8s/feast/feature-repo';
import { testValues } from '../../support/chart-values';
import { testTempDir } from '../../support/tmp';
import { bareChart, childIds, envOf, one, SIZING, synthChart, synthFeast } from './support';

const LABELS = { 'app.kubernetes.io/name': 'feast-apply' };
const REPO = { 'features.py': 'features\n', 'permissions.py': 'permissions\n' };

interface Inputs {
  readonly image?: string;
  readonly imageId?: string;
  readonly featureStoreYaml?: string;
  readonly featureRepo?: Readonly<Record<string, string>>;
}

/** The apply Job built on its own in an empty chart, from only the values it takes. */
function buildJob(inputs: Inputs = {}) {
  const chart = bareChart();
  const serviceAccount = new kplus.ServiceAccount(chart, 'ServiceAccount', { metadata: { name: 'feast' } });
  const config = new kplus.ConfigMap(chart, 'Config', { metadata: { name: 'feast-config' } });
  const job = createApplyJob(chart, {
    namespace: 'lab',
    labels: LABELS,
    image: inputs.image ?? 'registry.example.edu/feast:1',
    imageId: inputs.imageId,
    imageExceptions: [],
    sizing: SIZING,
    serviceAccount,
    env: { FOO: kplus.EnvValue.fromValue('bar') },
    config,
    featureStoreYaml: inputs.featureStoreYaml ?? 'project: p\n',
    featureRepo: inputs.featureRepo ?? REPO,
    artifactBucketName: 'bucket-1',
  });
  return { chart, job, objects: synthChart(chart) };
}

const jobName = (inputs: Inputs = {}) => one(buildJob(inputs).objects, 'Job', /^feast-apply-/).metadata.name;

describe('createApplyJob', () => {
  test('adds its objects to the chart under the contract IDs', () => {
    // GIVEN the Job built in a chart that holds its service account and config
    const { chart } = buildJob();
    // WHEN the chart's children are listed
    // THEN the Job's carry the IDs the manifests and the apps stack are named after, in order
    expect(childIds(chart)).toEqual([
      'ServiceAccount',
      'Config',
      'FeatureRepo',
      'ApplyTmp',
      'ApplyConfigVolume',
      'FeatureRepoVolume',
      'Apply',
    ]);
  });

  test('mounts the repository ConfigMap named after the same hash as the Job, and applies it', () => {
    // GIVEN the Job built on its own
    const { objects } = buildJob();
    // WHEN the Job and its repository ConfigMap are read back
    const job = one(objects, 'Job', /^feast-apply-[0-9a-f]{8}$/);
    const hash = job.metadata.name.slice('feast-apply-'.length);
    const repo = one(objects, 'ConfigMap', `feast-feature-repo-${hash}`);
    const [c] = job.spec.template.spec.containers;
    // THEN the repository is mounted read-only where `feast apply` runs, with the bucket in env
    expect(repo.data).toEqual(REPO);
    expect(c.command).toEqual(['python', '-m', 'cohort_lab_feast']);
    expect(c.args).toEqual(['--chdir', FEATURE_REPO_MOUNT, 'apply', '--skip-source-validation']);
    expect(c.env).toEqual([
      { name: 'FOO', value: 'bar' },
      { name: 'COHORT_LAB_BUCKET', value: 'bucket-1' },
    ]);
    expect(c.volumeMounts).toEqual([
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'config', mountPath: '/etc/feast', readOnly: true },
      { name: 'repo', mountPath: FEATURE_REPO_MOUNT, readOnly: true },
    ]);
    expect(job.spec.template.spec.volumes).toEqual(
      expect.arrayContaining([{ name: 'repo', configMap: { name: `feast-feature-repo-${hash}` } }]),
    );
  });

  test('retries six times within 15 minutes and is cleaned up a day after it finishes', () => {
    // GIVEN the Job built on its own
    const job = one(buildJob().objects, 'Job', /^feast-apply-/);
    // WHEN its spec is read back
    // THEN it has bounded retries and a TTL
    expect(job.spec).toMatchObject({
      backoffLimit: 6,
      activeDeadlineSeconds: 900,
      ttlSecondsAfterFinished: 86400,
    });
  });

  test('gets a new name when the image, the yaml or the repository changes, and only then', () => {
    // GIVEN the name for one set of inputs
    const before = jobName();
    // WHEN each input changes in turn
    // THEN the name stays for the same inputs and changes with each input
    expect(jobName()).toBe(before);
    expect(jobName({ image: 'registry.example.edu/feast:2' })).not.toBe(before);
    expect(jobName({ featureStoreYaml: 'project: q\n' })).not.toBe(before);
    expect(jobName({ featureRepo: { ...REPO, 'features.py': 'changed\n' } })).not.toBe(before);
  });

  test('names itself after the image id when one is given, not the image reference', () => {
    // GIVEN two image references with the same synth-time identity (a deploy-time URI is a token)
    // WHEN the Jobs are named
    // THEN the names are equal
    expect(jobName({ image: 'a', imageId: 'asset-1' })).toBe(jobName({ image: 'b', imageId: 'asset-1' }));
  });
});

describe('FeastChart apply Job', () => {
  test('the apply Job registers the labs feature repository, read from the same files', () => {
    // GIVEN the base cohort
    const objects = synthFeast();
    // WHEN the Job and its repository ConfigMap are read back
    const job = one(objects, 'Job', /^feast-apply-/);
    const hash = job.metadata.name.slice('feast-apply-'.length);
    const repo = one(objects, 'ConfigMap', `feast-feature-repo-${hash}`);
    // THEN the ConfigMap holds exactly the sample repository's features.py and permissions.py
    const expected = Object.fromEntries(
      FEATURE_REPO_FILES.map((f) => [f, readFileSync(join(LABS_FEATURE_REPO_DIR, f), 'utf8')]),
    );
    expect(repo.data).toEqual(expected);
    const [c] = job.spec.template.spec.containers;
    expect(envOf(c).COHORT_LAB_BUCKET.value).toBe('cohortlab-test-cohort-artifacts');
    expect(envOf(c).FEAST_FS_YAML_FILE_PATH.value).toBe('/etc/feast/feature_store.yaml');
    expect(job.spec.template.spec.serviceAccountName).toBe('feast');
  });

  test('the Job name changes when the feature repository changes, and only then', () => {
    // GIVEN a copy of the sample repository
    const dir = testTempDir('feast-repo');
    try {
      cpSync(LABS_FEATURE_REPO_DIR, dir, { recursive: true });
      const name = () =>
        one(synthFeast(testValues(), { featureRepoDir: dir }), 'Job', /^feast-apply-/).metadata.name;
      const before = name();
      // WHEN the chart is synthesised again, from the labs repository, and after an edit
      // THEN the name is the same for the same files, and changes with the edit
      expect(name()).toBe(before);
      expect(one(synthFeast(), 'Job', /^feast-apply-/).metadata.name).toBe(before);
      writeFileSync(
        join(dir, 'features.py'),
        `${readFileSync(join(dir, 'features.py'), 'utf8')}\n# changed\n`,
      );
      expect(name()).not.toBe(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
