// `npm run test:packaging`: builds and packs the npm packages, installs the tarballs into a scratch
// project outside the workspace and uses them as an outside app would (Node ESM and CJS, tsc, a
// browser bundle in headless Chromium) against a gateway process from dist/ (`npm run build` first).
// A root config of its own: Jest reads testTimeout only there (jestjs/jest#9696). The preset's
// transform and per-run database + Redis prefix are reused.
const preset = require('../../jest.preset.js');

module.exports = {
  displayName: 'packaging',
  rootDir: __dirname,
  testEnvironment: preset.testEnvironment,
  moduleFileExtensions: preset.moduleFileExtensions,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  transform: preset.transform,
  moduleNameMapper: preset.moduleNameMapper,
  globalSetup: preset.globalSetup,
  globalTeardown: preset.globalTeardown,
  testTimeout: 180_000,
  maxWorkers: 1,
};
