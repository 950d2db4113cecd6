import { cohortFileSchema } from '../../../../lib/config';
import { COHORT_RULES, RuleInput } from '../../../../lib/config/rules';
import { baseDocument } from '../../../support/cohort';
import { COHORT, CONTEXT } from './support';

describe('COHORT_RULES', () => {
  test('lists every rule family once, in the order problems are reported', () => {
    // WHEN / THEN
    expect(COHORT_RULES.map((r) => r.name)).toEqual([
      'course',
      'people',
      'principal partitions',
      'shards',
      'artifacts',
      'compute',
      'ingress',
      'mlflow access',
      'cluster',
      'expiry',
      'budget',
      'github',
    ]);
  });

  test.each(COHORT_RULES.map((r) => [r.name, r] as const))(
    'the %s rule reads no section it does not declare (it may run on a file that failed the schema)',
    (_name, entry) => {
      // GIVEN a valid file in which reading any undeclared section throws
      const full = cohortFileSchema.parse(baseDocument()) as RuleInput;
      const guarded = new Proxy(full, {
        get(target, key) {
          if (typeof key === 'string' && !(entry.sections as readonly string[]).includes(key)) {
            throw new Error(`reads ${key}`);
          }
          return target[key as keyof RuleInput];
        },
      });

      // WHEN / THEN
      expect(entry.check(guarded, COHORT, CONTEXT)).toEqual([]);
    },
  );
});
