import { peopleRolePath, personRoleArn, personRoleName, personRoleResource } from '../../../lib/core';

// A person's role name and path are contracts: the welcome sheet prints the ARN without asking AWS,
// and the roster principal assumes the role by it.

describe('people', () => {
  test("a person's role: lab-<slug>-<8 hex digits of the cohort> under /cohortlab/<cohort>/people/", () => {
    expect(peopleRolePath('spring')).toBe('/cohortlab/spring/people/');
    expect(personRoleName('spring', 'grace-hopper')).toBe('lab-grace-hopper-622a494d');
    expect(personRoleResource('spring', 'grace-hopper')).toBe(
      'cohortlab/spring/people/lab-grace-hopper-622a494d',
    );
  });

  test('the role ARN from partition, account, cohort and slug', () => {
    expect(personRoleArn('aws', '111122223333', 'spring', 'grace-hopper')).toBe(
      'arn:aws:iam::111122223333:role/cohortlab/spring/people/lab-grace-hopper-622a494d',
    );
  });

  test('two cohorts give the same slug different role names', () => {
    expect(personRoleName('spring', 'ada')).not.toBe(personRoleName('autumn', 'ada'));
  });
});
