import { cidrProblem, isWorldScale, parseIpv4Cidr, WORLD_SCALE_PREFIX } from '../../../lib/core';

// The cohort-file messages built on these (bad-cidr, cidr-host-bits, world and broad CIDR
// fixtures) are tested in test/lib/config/load.test.ts; here are the edges of the rules.

describe('parseIpv4Cidr', () => {
  test.each([
    ['203.0.113.0/24', 0xcb007100, 24, '203.0.113.0/24'],
    ['203.0.113.7/24', 0xcb007107, 24, '203.0.113.0/24'],
    ['10.1.2.3/8', 0x0a010203, 8, '10.0.0.0/8'],
    ['255.255.255.255/32', 0xffffffff, 32, '255.255.255.255/32'],
    ['198.51.100.77/0', 0xc63364 * 256 + 77, 0, '0.0.0.0/0'],
    ['172.31.255.255/12', 0xac1fffff, 12, '172.16.0.0/12'],
  ])('%s is address %d, prefix %d, network %s', (text, address, prefix, network) => {
    expect(parseIpv4Cidr(text)).toEqual({ address, prefix, network });
  });

  test.each([
    ['no prefix', '203.0.113.0'],
    ['a prefix over 32', '203.0.113.0/33'],
    ['an octet over 255', '256.0.0.0/8'],
    ['a leading zero in an octet', '010.0.0.0/8'],
    ['a leading zero in the prefix', '10.0.0.0/08'],
    ['three octets', '10.0.0/8'],
    ['IPv6', '2001:db8::/32'],
    ['spaces', ' 10.0.0.0/8'],
    ['nothing', ''],
  ])('is undefined for %s (%j)', (_name, text) => {
    expect(parseIpv4Cidr(text)).toBeUndefined();
  });
});

describe('cidrProblem', () => {
  test('a network address is fine', () => {
    expect(cidrProblem('203.0.113.0/24')).toBeUndefined();
    expect(cidrProblem('0.0.0.0/0')).toBeUndefined();
  });

  test('names the network address when host bits are set', () => {
    expect(cidrProblem('198.51.100.130/25')).toBe(
      'has host bits set; write the network address 198.51.100.128/25',
    );
  });

  test('says what a CIDR block looks like when it is not one', () => {
    expect(cidrProblem('198.51.100.0/33')).toBe('must be an IPv4 CIDR block such as 203.0.113.0/24');
  });
});

describe('isWorldScale', () => {
  test(`a prefix shorter than /${WORLD_SCALE_PREFIX} is world-scale, /${WORLD_SCALE_PREFIX} and longer are not`, () => {
    expect(['0.0.0.0/0', '0.0.0.0/1', '128.0.0.0/1', '8.0.0.0/7'].map(isWorldScale)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['10.0.0.0/8', '203.0.113.0/24', '198.51.100.7/32'].map(isWorldScale)).toEqual([
      false,
      false,
      false,
    ]);
  });

  test('what is not a CIDR block is not world-scale (cidrProblem reports it)', () => {
    expect(isWorldScale('0.0.0.0')).toBe(false);
    expect(isWorldScale('::/0')).toBe(false);
  });
});
