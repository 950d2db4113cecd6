import {
  learnerNamespace,
  MAX_SLUG_LENGTH,
  normaliseId,
  RAW_ID_PATTERN,
  slugProblem,
} from '../../../lib/core';

// normaliseId's table and the cohort-file messages for a slug starting with a digit or taking the
// admin's name are in test/lib/config/load.test.ts; here are the rule's other edges.

describe('slugProblem', () => {
  test('a slug of letters, digits and inner dashes, up to the maximum length, is fine', () => {
    expect(slugProblem('grace-hopper')).toBeUndefined();
    expect(slugProblem('a')).toBeUndefined();
    expect(slugProblem('user42')).toBeUndefined();
    expect(slugProblem('a'.repeat(MAX_SLUG_LENGTH))).toBeUndefined();
  });

  test('fails when the id normalises to nothing', () => {
    expect(slugProblem(normaliseId('._-'))).toBe('normalises to an empty name');
  });

  test('fails when the slug is longer than the maximum', () => {
    const slug = 'a'.repeat(MAX_SLUG_LENGTH + 1);
    expect(slugProblem(slug)).toBe(`normalises to "${slug}", longer than ${MAX_SLUG_LENGTH} characters`);
  });

  test.each(['42user', '-ada', 'ada-', 'Ada', 'ada_l'])(
    'fails when the slug %j does not start with a letter and end with a letter or digit',
    (slug) => {
      expect(slugProblem(slug)).toBe(
        `normalises to "${slug}", which must start with a letter and end with a letter or digit`,
      );
    },
  );

  test('the longest slug still makes a valid namespace (a DNS-1123 label of at most 63 characters)', () => {
    const namespace = learnerNamespace('a'.repeat(MAX_SLUG_LENGTH));
    expect(namespace.length).toBeLessThanOrEqual(63);
    expect(namespace).toMatch(/^[a-z]([a-z0-9-]*[a-z0-9])?$/);
  });
});

describe('learnerNamespace', () => {
  test('is learner-<slug>', () => {
    expect(learnerNamespace('grace-hopper')).toBe('learner-grace-hopper');
  });
});

describe('RAW_ID_PATTERN', () => {
  test.each(['grace.hopper', 'Alan_Turing', 'k-j', '42'])('accepts %j', (id) => {
    expect(RAW_ID_PATTERN.test(id)).toBe(true);
  });

  test.each(['grace hopper', 'grace@hopper', 'grâce', ''])('refuses %j', (id) => {
    expect(RAW_ID_PATTERN.test(id)).toBe(false);
  });
});
