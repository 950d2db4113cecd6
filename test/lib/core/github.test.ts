import {
  ciRoleArn,
  ciRoleName,
  ciUsername,
  GITHUB_OWNER_PATTERN,
  GITHUB_REPOSITORY_NAME_PATTERN,
  githubOidcProviderArn,
  githubSubject,
  MAX_SLUG_LENGTH,
  promotionModelName,
  slugOfCiUsername,
} from '../../../lib/core';

describe('the names of Lab 2', () => {
  test("a job's OIDC subject, the provider's ARN, the CI user and the model follow the contract", () => {
    expect(githubSubject('grace-hopper/promo', 'production')).toBe(
      'repo:grace-hopper/promo:environment:production',
    );
    expect(githubOidcProviderArn('aws', '111122223333')).toBe(
      'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com',
    );
    expect(ciUsername('grace-hopper')).toBe('ci.grace-hopper');
    expect(slugOfCiUsername('ci.grace-hopper')).toBe('grace-hopper');
    expect(slugOfCiUsername('grace-hopper')).toBeUndefined();
    expect(promotionModelName('grace-hopper')).toBe('promotion.grace-hopper');
  });

  test('the CI role name fits IAM (64 characters) for the longest slug, and its ARN carries the ci path', () => {
    const slug = 'a'.repeat(MAX_SLUG_LENGTH);
    expect(ciRoleName('spring', slug).length).toBeLessThanOrEqual(64);
    expect(ciRoleArn('aws', '111122223333', 'spring', 'grace')).toMatch(
      /^arn:aws:iam::111122223333:role\/cohortlab\/spring\/ci\/ci-grace-[0-9a-f]{8}$/,
    );
  });

  test.each([
    ['grace-hopper', true],
    ['a', true],
    ['-grace', false],
    ['grace-', false],
    ['grace--hopper', false],
    ['g'.repeat(40), false],
  ])('owner %s is a GitHub account name: %s', (owner, ok) => {
    expect(GITHUB_OWNER_PATTERN.test(owner)).toBe(ok);
  });

  test.each([
    ['cohort-lab.promotion_2', true],
    ['a/b', false],
    ['r'.repeat(101), false],
  ])('repository name %s is a GitHub repository name: %s', (name, ok) => {
    expect(GITHUB_REPOSITORY_NAME_PATTERN.test(name)).toBe(ok);
  });
});
