import { expiryRule } from '../../../../lib/config/rules';
import { ExpiryAction } from '../../../../lib/core';
import { COHORT, CONTEXT, messages, SANDBOX } from './support';

const COURSE = { start: '2027-01-11', end: '2027-01-31' };

describe('expiryRule', () => {
  test("accepts each profile's default action and reminders", () => {
    // GIVEN a file that leaves the expiry out; WHEN / THEN
    expect(expiryRule({ expiry: {}, course: COURSE }, COHORT, CONTEXT)).toEqual([]);
    expect(expiryRule({ expiry: {}, course: COURSE }, SANDBOX, CONTEXT)).toEqual([]);
  });

  test('accepts a sandbox that is torn down at expiry', () => {
    expect(
      expiryRule({ expiry: { action: ExpiryAction.TEARDOWN }, course: COURSE }, SANDBOX, CONTEXT),
    ).toEqual([]);
  });

  test('fails when a cohort would be torn down by its schedule, a reminder repeats, or one falls before the course', () => {
    // GIVEN a cohort-profile file asking for teardown, with 3 listed twice and a reminder 30 days before a 21-day course
    const doc = { expiry: { action: ExpiryAction.TEARDOWN, remindDaysBefore: [3, 30, 3] }, course: COURSE };

    // WHEN
    const problems = expiryRule(doc, COHORT, CONTEXT);

    // THEN
    expect(messages(problems)).toEqual([
      'cohort.yaml: expiry.action: is not allowed for profile cohort; use one of notify, scale-to-zero (its stacks have termination protection: tear it down with cohort-lab teardown) (got "teardown")',
      'cohort.yaml: expiry.remindDaysBefore[1]: puts the reminder on 2027-01-01, before course.start (2027-01-11) (got 30)',
      'cohort.yaml: expiry.remindDaysBefore[2]: is listed twice (got 3)',
    ]);
  });
});
