import { parseIamPrincipalArn, principalIdentity } from '../../../lib/core';

describe('parseIamPrincipalArn', () => {
  test('splits a role ARN with a path', () => {
    // WHEN / THEN
    expect(parseIamPrincipalArn('arn:aws-us-gov:iam::111122223333:role/team/a/Ada')).toEqual({
      partition: 'aws-us-gov',
      account: '111122223333',
      kind: 'role',
      path: '/team/a/',
      name: 'Ada',
    });
  });

  test('splits a user ARN without a path', () => {
    // WHEN / THEN
    expect(parseIamPrincipalArn('arn:aws:iam::111122223333:user/grace')).toEqual({
      partition: 'aws',
      account: '111122223333',
      kind: 'user',
      path: '/',
      name: 'grace',
    });
  });

  test.each([
    'arn:aws:s3:::not-a-role',
    'arn:aws:iam::1111:role/Ada',
    'arn:aws:iam::111122223333:group/Ada',
    'arn:aws:sts::111122223333:assumed-role/Ada/session',
  ])('is undefined for what is not an IAM role or user ARN (%s)', (arn) => {
    // WHEN / THEN
    expect(parseIamPrincipalArn(arn)).toBeUndefined();
  });
});

describe('principalIdentity', () => {
  const identity = (arn: string) => principalIdentity(parseIamPrincipalArn(arn)!);

  test('ignores the case and the path of the name, as IAM does', () => {
    // WHEN / THEN
    expect(identity('arn:aws:iam::111122223333:role/ADA')).toBe(
      identity('arn:aws:iam::111122223333:role/ada'),
    );
    expect(identity('arn:aws:iam::111122223333:role/team/Ada')).toBe(
      identity('arn:aws:iam::111122223333:role/Ada'),
    );
  });

  test('tells apart accounts, partitions, and a role from a user of the same name', () => {
    // GIVEN
    const base = identity('arn:aws:iam::111122223333:role/Ada');

    // WHEN / THEN
    expect(identity('arn:aws:iam::444455556666:role/Ada')).not.toBe(base);
    expect(identity('arn:aws-cn:iam::111122223333:role/Ada')).not.toBe(base);
    expect(identity('arn:aws:iam::111122223333:user/Ada')).not.toBe(base);
  });
});
