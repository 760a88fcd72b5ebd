// Three tiers, per the brief: unit specs beside the code, integration specs against real NATS,
// Postgres and CalDAV, end-to-end specs that start whole services. The last two share servers,
// so they run one file at a time (see the test script).
const swc = ['@swc/jest', { swcrc: true }];
const moduleNameMapper = { '^@calldesk/([a-z-]+)$': '<rootDir>/libs/$1/src' };
const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper,
  roots: ['<rootDir>/libs', '<rootDir>/services', '<rootDir>/scripts', '<rootDir>/test'],
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['**/*.spec.ts'] },
    { ...common, displayName: 'integration', testMatch: ['**/*.int-spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['**/*.e2e-spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/e2e/jest-setup.ts'],
    },
  ],
};
