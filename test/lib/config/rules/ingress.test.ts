import { ingressRule } from '../../../../lib/config/rules';
import { COHORT, CONTEXT, messages, SANDBOX } from './support';

const CERTIFICATE = 'arn:aws:acm:eu-west-1:111122223333:certificate/11111111-2222-3333-4444-555555555555';

describe('ingressRule', () => {
  test('accepts a cohort with a host name and its certificate', () => {
    // GIVEN
    const doc = { mlflow: { hostname: 'mlflow.lab.example.edu', certificateArn: CERTIFICATE } };

    // WHEN / THEN
    expect(ingressRule(doc, COHORT, CONTEXT)).toEqual([]);
  });

  test('accepts a sandbox without TLS', () => {
    // WHEN / THEN
    expect(ingressRule({ mlflow: {} }, SANDBOX, CONTEXT)).toEqual([]);
  });

  test('fails when a cohort has no certificate', () => {
    // GIVEN
    const doc = { mlflow: { hostname: 'mlflow.lab.example.edu' } };

    // WHEN
    const problems = ingressRule(doc, COHORT, CONTEXT);

    // THEN
    expect(messages(problems)).toEqual([
      "cohort.yaml: mlflow.certificateArn: is required for profile cohort: learners' MLflow passwords must travel over TLS",
    ]);
  });

  test('fails when a certificate comes without the host name it is for', () => {
    // GIVEN
    const doc = { mlflow: { certificateArn: CERTIFICATE } };

    // WHEN
    const problems = ingressRule(doc, SANDBOX, CONTEXT);

    // THEN
    expect(messages(problems)).toEqual([
      'cohort.yaml: mlflow.hostname: is required with mlflow.certificateArn: the certificate is for a host name',
    ]);
  });
});
