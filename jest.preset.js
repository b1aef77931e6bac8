// Shared by every project's jest.config.js: SWC (with decorator metadata, which Nest's DI needs),
// the @switchboard/* aliases of tsconfig.base.json, and one database + Redis prefix per test run.
// testTimeout is in the root jest.config.js: Jest ignores it here (jestjs/jest#9696).
const path = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [
    `^${alias}$`,
    path.join(__dirname, target),
  ]),
);

module.exports = {
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  moduleNameMapper,
  globalSetup: path.join(__dirname, 'tools/testing/global-setup.ts'),
  globalTeardown: path.join(__dirname, 'tools/testing/global-teardown.ts'),
};
