// The fault-injection suite (`npm run test:fault`): a root config, since Jest reads testTimeout only
// there, with the preset's transform and aliases but not its global setup (the suite brings its own
// PostgreSQL and Redis, which it kills).
const preset = require('../../jest.preset.js');

module.exports = {
  displayName: 'fault',
  rootDir: __dirname,
  testEnvironment: preset.testEnvironment,
  moduleFileExtensions: preset.moduleFileExtensions,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  transform: preset.transform,
  moduleNameMapper: preset.moduleNameMapper,
  testTimeout: 180_000,
  maxWorkers: 1,
};
