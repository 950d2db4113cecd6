// Jest snapshot serializer: replaces CDK asset hashes (64 hex characters) so snapshots only change
// when logical IDs or properties change, not when a bundled file's bytes do.
const HASH = /[0-9a-f]{64}/g;

module.exports = {
  test: (value) => typeof value === 'string' && /[0-9a-f]{64}/.test(value),
  serialize: (value) => JSON.stringify(value.replace(HASH, '[ASSET-HASH]')),
};
