// The browser suite (`npm run test:browser`): the built `npm start` (dist/tools/standalone.js) on the
// run's test database, driven by Debian's Chromium through playwright-core. A root config, since Jest
// reads testTimeout only there; the preset's transform and aliases, and a global setup that starts
// the standalone once for every file. Requires `npm run build`.
const path = require('node:path');
const preset = require('../../jest.preset.js');

module.exports = {
  displayName: 'browser',
  rootDir: __dirname,
  testEnvironment: preset.testEnvironment,
  moduleFileExtensions: preset.moduleFileExtensions,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  transform: preset.transform,
  moduleNameMapper: preset.moduleNameMapper,
  globalSetup: path.join(__dirname, 'src/global-setup.ts'),
  globalTeardown: path.join(__dirname, 'src/global-teardown.ts'),
  testTimeout: 60_000,
  maxWorkers: 1,
};
