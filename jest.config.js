/** Two projects: fast unit tests (default) and integration tests that start real servers. */
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/integration/'],
      transform: { '^.+\\.ts$': tsJest },
      snapshotSerializers: ['<rootDir>/test/support/strip-asset-hashes.js'],
      setupFilesAfterEnv: ['<rootDir>/test/support/cleanup-tmp.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/integration'],
      testMatch: ['**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
    },
  ],
};
