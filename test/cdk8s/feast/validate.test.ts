import { Lazy } from 'aws-cdk-lib';
import { FeastInputs, validateFeastInputs } from '../../../cdk8s/feast/validate';
import { testValues } from '../../support/chart-values';
import { synthFeast } from './support';

const GOOD: FeastInputs = {
  project: 'spring_2027',
  sourceFile: 'cohorts/spring.yaml',
  image: 'registry.example.edu/feast:0.67.0-1',
  oidc: {
    discoveryUrl: 'https://idp.example.com/pool/.well-known/openid-configuration',
    issuer: 'https://idp.example.com/pool',
  },
  replicas: 2,
};

describe('validateFeastInputs', () => {
  test('accepts good inputs, and plain http on loopback (the local test provider)', () => {
    // GIVEN good inputs, and the same with a loopback http provider
    const loopback = {
      ...GOOD,
      oidc: {
        discoveryUrl: 'http://127.0.0.1:9000/.well-known/openid-configuration',
        issuer: 'http://localhost:9000',
      },
    };
    // WHEN they are validated
    // THEN neither is refused
    expect(() => validateFeastInputs(GOOD)).not.toThrow();
    expect(() => validateFeastInputs(loopback)).not.toThrow();
  });

  test('accepts CDK tokens for the identity provider (resolved at deploy time)', () => {
    // GIVEN provider URLs that are deploy-time tokens
    const token = Lazy.string({ produce: () => 'https://example.com' });
    // WHEN the inputs are validated
    // THEN the URL checks wait for deploy time
    expect(() =>
      validateFeastInputs({ ...GOOD, oidc: { discoveryUrl: token, issuer: token } }),
    ).not.toThrow();
  });

  test('fails when the Feast project is empty', () => {
    // GIVEN an empty project
    // WHEN validated
    // THEN the message names the field, the file and the rule
    expect(() => validateFeastInputs({ ...GOOD, project: '' })).toThrow(
      'FeastChart: feast.project "" (from cohorts/spring.yaml) must start with a letter and contain only letters, digits and "_" (at most 63 characters)',
    );
  });

  test('fails when the Feast image is empty', () => {
    // GIVEN a blank image
    // WHEN validated
    // THEN the message names the field
    expect(() => validateFeastInputs({ ...GOOD, image: ' ' })).toThrow(
      'FeastChart: infra.images.feast is empty; give the Feast image to run',
    );
  });

  test('fails when the discovery URL is plain http off loopback', () => {
    // GIVEN a plain-http discovery URL on a public host
    const oidc = { ...GOOD.oidc, discoveryUrl: 'http://idp.example.com/.well-known/openid-configuration' };
    // WHEN validated
    // THEN the message names the field and the value
    expect(() => validateFeastInputs({ ...GOOD, oidc })).toThrow(
      'FeastChart: infra.oidc.discoveryUrl "http://idp.example.com/.well-known/openid-configuration" must be an https:// URL (plain http only on loopback, for tests)',
    );
  });

  test('fails when the issuer is not a URL', () => {
    // GIVEN an issuer that is not a URL
    const oidc = { ...GOOD.oidc, issuer: 'idp.example.com' };
    // WHEN validated
    // THEN the message names the field and the value
    expect(() => validateFeastInputs({ ...GOOD, oidc })).toThrow(
      'FeastChart: infra.oidc.issuer "idp.example.com" must be an https:// URL (plain http only on loopback, for tests)',
    );
  });

  test('fails when the discovery URL is not a discovery document', () => {
    // GIVEN the JWKS URL where the discovery document belongs
    const oidc = { ...GOOD.oidc, discoveryUrl: 'https://idp.example.com/jwks.json' };
    // WHEN validated
    // THEN the message says what the URL must end in
    expect(() => validateFeastInputs({ ...GOOD, oidc })).toThrow(
      'FeastChart: infra.oidc.discoveryUrl "https://idp.example.com/jwks.json" must end in /.well-known/openid-configuration',
    );
  });

  test.each([0, 1.5, -1])('fails when replicas is %p', (replicas) => {
    // GIVEN a replica count that is not a whole number of at least 1
    // WHEN validated
    // THEN the message names the value
    expect(() => validateFeastInputs({ ...GOOD, replicas })).toThrow(
      `FeastChart: replicas ${replicas} must be a whole number of at least 1`,
    );
  });
});

describe('FeastChart input validation', () => {
  test('accepts CDK tokens for the identity provider (resolved at deploy time)', () => {
    // GIVEN infrastructure values whose provider URLs and client id are deploy-time tokens
    const token = Lazy.string({ produce: () => 'https://example.com' });
    const values = testValues(undefined, { oidc: { discoveryUrl: token, issuer: token, clientId: token } });
    // WHEN the chart is synthesised
    // THEN it is not refused
    expect(() => synthFeast(values)).not.toThrow();
  });

  test('fails when the Feast project is empty, before any object is built', () => {
    // GIVEN chart values whose cohort has an empty Feast project
    const values = testValues();
    const bad = { ...values, config: { ...values.config, feast: { ...values.config.feast, project: '' } } };
    // WHEN the chart is synthesised
    // THEN the chart refuses with the validation message (the fixture file is inline.yaml)
    expect(() => synthFeast(bad)).toThrow(
      'FeastChart: feast.project "" (from inline.yaml) must start with a letter and contain only letters, digits and "_" (at most 63 characters)',
    );
  });

  test('fails when the replicas prop is 0', () => {
    // GIVEN the chart asked for zero feature servers
    // WHEN it is synthesised
    // THEN it refuses
    expect(() => synthFeast(testValues(), { replicas: 0 })).toThrow(
      'FeastChart: replicas 0 must be a whole number of at least 1',
    );
  });
});
