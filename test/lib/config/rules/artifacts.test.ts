import { artifactsRule } from '../../../../lib/config/rules';
import { COHORT, CONTEXT, messages, SANDBOX } from './support';

describe('artifactsRule', () => {
  test.each([
    ['cohort', COHORT],
    ['sandbox', SANDBOX],
  ])('accepts the default retention of the %s profile', (_name, profile) => {
    // GIVEN a file that leaves the retention out
    const doc = { artifacts: {} };

    // WHEN / THEN
    expect(artifactsRule(doc, profile, CONTEXT)).toEqual([]);
  });

  test('accepts a sandbox that deletes its artifacts', () => {
    // GIVEN
    const doc = { artifacts: { retention: 'delete' as const } };

    // WHEN / THEN
    expect(artifactsRule(doc, SANDBOX, CONTEXT)).toEqual([]);
  });

  test('fails when a cohort would delete its artifacts', () => {
    // GIVEN
    const doc = { artifacts: { retention: 'delete' as const } };

    // WHEN
    const problems = artifactsRule(doc, COHORT, CONTEXT);

    // THEN
    expect(messages(problems)).toEqual([
      'cohort.yaml: artifacts.retention: is not allowed for profile cohort; use one of retain, export (a cohort keeps its artifacts; export them before teardown instead) (got "delete")',
    ]);
  });
});
