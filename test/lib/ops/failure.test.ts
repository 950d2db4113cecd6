import { debugRequested, failureReport } from '../../../lib/ops/failure';

describe('failureReport', () => {
  test('one line: the command, the error name when it says more than "Error", the message', () => {
    // GIVEN a CDK-style error whose name is its code, with a message over several lines
    const err = new Error('Number of resources in stack x: 501\n   is greater than 500\n');
    err.name = 'TooManyResourcesInStack';
    // THEN
    expect(failureReport('Plan', err, false)).toEqual([
      'Plan failed: TooManyResourcesInStack: Number of resources in stack x: 501 is greater than 500',
    ]);
    expect(failureReport('Plan', new Error('boom'), false)).toEqual(['Plan failed: boom']);
    expect(failureReport('Plan', 'a thrown string', false)).toEqual(['Plan failed: a thrown string']);
  });

  test('the stack trace follows when asked for', () => {
    const err = new Error('boom');
    expect(failureReport('Plan', err, true)).toEqual(['Plan failed: boom', err.stack]);
  });

  test('COHORT_LAB_DEBUG=1 asks for stack traces; anything else does not', () => {
    expect(debugRequested({ COHORT_LAB_DEBUG: '1' })).toBe(true);
    expect(debugRequested({ COHORT_LAB_DEBUG: '0' })).toBe(false);
    expect(debugRequested({})).toBe(false);
  });
});
