import { Template } from 'aws-cdk-lib/assertions';
import { allStacks } from '../../../lib/stacks/cohort-app';
import { cohortSecretSpecs } from '../../../lib/local/cohort-secrets';
import { PersonRole, SECRET_KIND_TAG, SecretKind } from '../../../lib/core';
import { buildStacks, loadCohort } from '../../support/cohort';

interface CfnSecret {
  readonly Properties: {
    readonly Name: string;
    readonly Tags: Array<{ Key: string; Value: string }>;
    readonly GenerateSecretString: {
      readonly SecretStringTemplate: unknown;
      readonly GenerateStringKey: string;
      readonly PasswordLength?: number;
    };
  };
}

/** A template string, with a reference (the master secret's ARN, known at deploy) as a marker. */
function joined(template: unknown): string {
  if (typeof template === 'string') return template;
  const [, parts] = (template as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return parts.map((p) => (typeof p === 'string' ? p : '<master ARN>')).join('');
}

describe('the local lab creates the secrets the stacks create', () => {
  // GIVEN the demo cohort's stacks, synthesised, and the local lab's secrets of the same cohort
  const config = loadCohort('cohorts/demo.yaml');
  const { stacks } = buildStacks(config);
  const templates = allStacks(stacks).map((s) => Template.fromStack(s));
  const cfnSecrets = templates.flatMap((t) =>
    Object.values(t.findResources('AWS::SecretsManager::Secret') as Record<string, CfnSecret>),
  );
  const rotateNow = new Set(
    templates.flatMap((t) =>
      Object.values(t.findResources('AWS::SecretsManager::RotationSchedule'))
        .filter(
          (r) => (r.Properties as { RotateImmediatelyOnUpdate?: boolean }).RotateImmediatelyOnUpdate === true,
        )
        .map((r) => JSON.stringify((r.Properties as { SecretId: unknown }).SecretId)),
    ),
  );
  const specs = cohortSecretSpecs(config);

  test('the same names, services first, then every person', () => {
    // THEN every secret of the stacks is created locally, and no other
    expect(specs.map((s) => s.name).sort()).toEqual(cfnSecrets.map((s) => s.Properties.Name).sort());
    expect(specs.filter((s) => s.person).map((s) => s.person)).toEqual([
      { slug: 'ada-lovelace', role: PersonRole.INSTRUCTOR },
      { slug: 'grace-hopper', role: PersonRole.LEARNER },
      { slug: 'alan-turing', role: PersonRole.LEARNER },
      { slug: 'katherine-johnson', role: PersonRole.LEARNER },
      // (Grace's CI user, Lab 2: after every person, as the local lab makes it after them)
      { slug: 'grace-hopper', role: PersonRole.LEARNER },
    ]);
  });

  test('the same tags (lab:*, lab:secret-kind, the person) and the same generated field and template', () => {
    for (const spec of specs) {
      const cfn = cfnSecrets.find((s) => s.Properties.Name === spec.name)!.Properties;
      const tags = Object.fromEntries(cfn.Tags.map((t) => [t.Key, t.Value]));
      expect({ name: spec.name, tags: spec.tags }).toEqual({ name: spec.name, tags });
      const template = spec.masterSecret ? { ...spec.template, masterarn: '<master ARN>' } : spec.template;
      expect({ name: spec.name, key: spec.generateKey, template: JSON.stringify(template) }).toEqual({
        name: spec.name,
        key: cfn.GenerateSecretString.GenerateStringKey,
        template: joined(cfn.GenerateSecretString.SecretStringTemplate),
      });
    }
  });

  test('the rotation function rotates what has a kind; people and Redis rotate once at creation', () => {
    expect(
      Object.fromEntries(specs.map((s) => [s.name.split('/').slice(2).join('/'), s.kind ?? null])),
    ).toEqual({
      'mlflow-admin': SecretKind.MLFLOW_ADMIN,
      'mlflow-flask-secret-key': SecretKind.GENERATED_KEY,
      redis: SecretKind.GENERATED_DUAL,
      'db-master': null,
      'db-mlflow': null,
      'instructors/ada-lovelace/mlflow': SecretKind.MLFLOW_INSTRUCTOR,
      'learners/grace-hopper/mlflow': SecretKind.MLFLOW_USER,
      'learners/alan-turing/mlflow': SecretKind.MLFLOW_USER,
      'learners/katherine-johnson/mlflow': SecretKind.MLFLOW_USER,
      'learners/grace-hopper/mlflow-ci': SecretKind.MLFLOW_CI,
    });
    for (const spec of specs) expect(spec.tags[SECRET_KIND_TAG]).toBe(spec.kind);
    // As many immediate rotations in the templates as secrets the lab rotates at creation.
    expect(specs.filter((s) => s.rotateNow)).toHaveLength(rotateNow.size);
  });
});
