import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { loadEnvironmentFile } from '../../../lib/config';
import { ImageSource, infraFromEnvironment } from '../../../cdk8s';
import { testTempDir } from '../../support/tmp';

const DEMO = 'cohorts/demo.environment.json';

/** The demo environment file with `images` (and other top-level fields) changed, in a temporary file. */
function withImages(images: Record<string, string>, fields: Record<string, unknown> = {}): string {
  const doc = JSON.parse(readFileSync(DEMO, 'utf8')) as { images: Record<string, string> };
  const file = join(testTempDir('environment'), 'environment.json');
  writeFileSync(file, JSON.stringify({ ...doc, ...fields, images: { ...doc.images, ...images } }));
  return file;
}

describe('loadEnvironmentFile', () => {
  test('reads the demo environment file; its images are prebuilt ones the file names', () => {
    const infra = loadEnvironmentFile(DEMO);
    expect(infra.images).toEqual({
      mlflow: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/cohort-lab-mlflow:3.17.2-1',
      feast: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/cohort-lab-feast:0.67.0-1',
      monitoring: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/cohort-lab-monitoring:0.1.0-1',
    });
    expect(infra.alertTopicArn).toBe(
      'arn:aws:sns:eu-west-1:111122223333:cohortlab-demo-2027-spring-alerts-example',
    );
    expect(infraFromEnvironment(infra).imageSources).toEqual({
      mlflow: ImageSource.ENVIRONMENT_FILE,
      feast: ImageSource.ENVIRONMENT_FILE,
    });
  });

  test('fails when the drift image is unpinned or the alert topic is not an SNS topic ARN', () => {
    const file = withImages(
      { monitoring: 'registry.example.edu/monitoring:latest' },
      { alertTopicArn: 'arn:aws:sqs:eu-west-1:111122223333:alerts' },
    );
    expect(() => loadEnvironmentFile(file)).toThrow(
      [
        `${file}: images.monitoring: must be a full image reference pinned by digest (@sha256:...) or by a tag other than latest (got "registry.example.edu/monitoring:latest")`,
        `${file}: alertTopicArn: must be an SNS topic ARN (got "arn:aws:sqs:eu-west-1:111122223333:alerts")`,
      ].join('\n'),
    );
  });

  test('accepts an image pinned by digest', () => {
    const feast = `registry.example.edu/feast@sha256:${'0123456789abcdef'.repeat(4)}`;
    expect(loadEnvironmentFile(withImages({ feast })).images.feast).toBe(feast);
  });

  test('fails when an image is pinned neither by a tag other than latest nor by digest', () => {
    const file = withImages({
      mlflow: 'registry.example.edu/mlflow',
      feast: 'registry.example.edu/feast:latest',
    });
    expect(() => loadEnvironmentFile(file)).toThrow(
      [
        `${file}: images.mlflow: must be a full image reference pinned by digest (@sha256:...) or by a tag other than latest (got "registry.example.edu/mlflow")`,
        `${file}: images.feast: must be a full image reference pinned by digest (@sha256:...) or by a tag other than latest (got "registry.example.edu/feast:latest")`,
      ].join('\n'),
    );
  });
});
