// A root config of its own (`npm run test:fuzz`): Jest reads testTimeout only from the root config
// (jestjs/jest#9696), and the fuzz run is too long for `npm test`. The preset's SWC transform,
// aliases and per-run database + Redis prefix are reused as they are.
const preset = require('../../jest.preset.js');

module.exports = {
  displayName: 'fuzz',
  rootDir: __dirname,
  testEnvironment: preset.testEnvironment,
  moduleFileExtensions: preset.moduleFileExtensions,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  transform: preset.transform,
  moduleNameMapper: preset.moduleNameMapper,
  globalSetup: preset.globalSetup,
  globalTeardown: preset.globalTeardown,
  testTimeout: 180_000,
};
