import { ingressRule, mlflowAccessRule } from '../../../../lib/config/rules';
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

describe('mlflowAccessRule', () => {
  test('accepts no list (the internet) and a list of networks', () => {
    expect(mlflowAccessRule({ mlflow: {} }, COHORT, CONTEXT)).toEqual([]);
    expect(mlflowAccessRule({ mlflow: { allowedCidrs: ['203.0.113.0/24'] } }, COHORT, CONTEXT)).toEqual([]);
  });

  test('accepts the world next to the opt-in', () => {
    const doc = { mlflow: { allowedCidrs: ['0.0.0.0/0'], allowAccessFromAnywhere: true } };
    expect(mlflowAccessRule(doc, SANDBOX, CONTEXT)).toEqual([]);
  });

  test('fails when a block broader than /8 comes without the opt-in', () => {
    // GIVEN
    const doc = { mlflow: { allowedCidrs: ['10.0.0.0/8', '128.0.0.0/1'] } };

    // WHEN
    const problems = mlflowAccessRule(doc, COHORT, CONTEXT);

    // THEN
    expect(messages(problems)).toEqual([
      'cohort.yaml: mlflow.allowedCidrs[1]: is broader than /8 and opens MLflow to a large part of the internet; set mlflow.allowAccessFromAnywhere: true if that is intended (got "128.0.0.0/1")',
    ]);
  });

  test('fails on host bits and repeats, naming each entry', () => {
    // GIVEN
    const doc = { mlflow: { allowedCidrs: ['203.0.113.9/24', '198.51.100.0/24', '198.51.100.0/24'] } };

    // WHEN
    const problems = mlflowAccessRule(doc, COHORT, CONTEXT);

    // THEN
    expect(messages(problems)).toEqual([
      'cohort.yaml: mlflow.allowedCidrs[0]: has host bits set; write the network address 203.0.113.0/24 (got "203.0.113.9/24")',
      'cohort.yaml: mlflow.allowedCidrs[2]: duplicates mlflow.allowedCidrs[1] (got "198.51.100.0/24")',
    ]);
  });
});
