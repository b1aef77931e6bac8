// The browser suite (`npm run test:browser`): the built `npm start` (dist/tools/standalone.js) on the
// run's test database, driven by Debian's Chromium through playwright-core. A root config, since Jest
// reads testTimeout only there; the preset's transform, aliases and run database (each file starts
// its standalone on it). Requires `npm run build`.
const preset = require('../../jest.preset.js');

module.exports = {
  displayName: 'browser',
  rootDir: __dirname,
  testEnvironment: preset.testEnvironment,
  moduleFileExtensions: preset.moduleFileExtensions,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  transform: preset.transform,
  moduleNameMapper: preset.moduleNameMapper,
  globalSetup: preset.globalSetup,
  globalTeardown: preset.globalTeardown,
  testTimeout: 60_000,
  maxWorkers: 1,
};
