import { CohortConfig } from '../../lib/config';
import { ChartValues, chartValues, ImageSource, InfraValues } from '../../cdk8s';
import { configFrom } from './cohort';

/** Infrastructure values of a made-up cohort (no secret in them: secrets live in Secrets Manager). */
export function testInfra(overrides: Partial<InfraValues> = {}): InfraValues {
  return {
    region: 'eu-west-1',
    artifactBucketName: 'cohortlab-test-cohort-artifacts',
    vpcCidr: '10.40.0.0/16',
    database: { host: 'db.internal', port: 5432, sslMode: 'require' },
    images: {
      mlflow: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/cohort-lab/mlflow:3.17.2',
      feast: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/cohort-lab/feast:0.67.0',
    },
    imageSources: { mlflow: ImageSource.ENVIRONMENT_FILE, feast: ImageSource.ENVIRONMENT_FILE },
    oidc: {
      discoveryUrl:
        'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example/.well-known/openid-configuration',
      issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example',
      clientId: 'example-client-id',
    },
    secretStoreName: 'cohort-lab-secrets',
    ...overrides,
  };
}

/** Chart values of the base fixture cohort, optionally changed. */
export function testValues(
  patch: (doc: Record<string, unknown>) => void = () => {},
  infra: Partial<InfraValues> = {},
): ChartValues {
  const config: CohortConfig = configFrom(patch);
  return chartValues(config, testInfra(infra));
}
