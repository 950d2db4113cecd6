import { cronScheduleProblem, defaultDriftModel, driftReferenceKey } from '../../../lib/core';

describe('cronScheduleProblem', () => {
  test.each(['0 6 * * *', '*/15 * * * *', '0 6,18 * * 1-5', '30 2 1 */2 0', '0 0 * * 7'])(
    'accepts %s',
    (schedule) => {
      expect(cronScheduleProblem(schedule)).toBeUndefined();
    },
  );

  test.each([
    ['0 6 * *', 'must have five fields (minute hour day-of-month month day-of-week), has 4'],
    ['0 6 * * * *', 'must have five fields (minute hour day-of-month month day-of-week), has 6'],
    ['60 6 * * *', 'minute "60" must be within 0-59'],
    ['0 6 0 * *', 'day of month "0" must be within 1-31'],
    ['0 6 * 13 *', 'month "13" must be within 1-12'],
    ['0 6 * * 8', 'day of week "8" must be within 0-7'],
    ['0 9-5 * * *', 'hour "9-5" is a backwards range'],
    ['*/0 * * * *', 'minute "*/0" has a step of 0'],
    ['0 6 * * MON', 'day of week "MON" must be *, a number, a range a-b, a list or a step /n'],
    ['@daily', 'must have five fields (minute hour day-of-month month day-of-week), has 1'],
  ])('fails when the schedule is %s', (schedule, problem) => {
    expect(cronScheduleProblem(schedule)).toBe(problem);
  });
});

test('the default model and the reference key are the learner’s', () => {
  expect(defaultDriftModel('ada')).toBe('promotion.ada');
  expect(driftReferenceKey('ada')).toBe('learners/ada/drift/reference.parquet');
});
