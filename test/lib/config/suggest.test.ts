import { closestKey, editDistance } from '../../../lib/config/suggest';

describe('editDistance', () => {
  test.each([
    ['', '', 0],
    ['learners', 'learners', 0],
    ['learnrs', 'learners', 1],
    ['lerners', 'learners', 1],
    ['kitten', 'sitting', 3],
    ['', 'abc', 3],
    ['abc', '', 3],
  ])('from %j to %j is %d', (a, b, distance) => {
    // WHEN / THEN
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });
});

describe('closestKey', () => {
  const KNOWN = ['cohort', 'profile', 'course', 'instructors', 'learners'];

  test('suggests the known name a typo is closest to', () => {
    // WHEN / THEN
    expect(closestKey('learnrs', KNOWN)).toBe('learners');
    expect(closestKey('instrutcors', KNOWN)).toBe('instructors');
  });

  test('ignores case, and answers with the known spelling', () => {
    // WHEN / THEN
    expect(closestKey('Profil', KNOWN)).toBe('profile');
  });

  test('suggests nothing when every known name is more than two edits away', () => {
    // WHEN / THEN
    expect(closestKey('teachers', KNOWN)).toBeUndefined();
    expect(closestKey('learners', [])).toBeUndefined();
  });

  test('the first of equally close names wins', () => {
    // GIVEN "cours" is one edit from both
    const known = ['course', 'courts'];

    // WHEN / THEN
    expect(closestKey('cours', known)).toBe('course');
  });
});
