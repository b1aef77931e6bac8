// `npm test`: every project in one Jest run, so the run's database and Redis prefix are made once.
module.exports = {
  projects: ['<rootDir>/apps/*', '<rootDir>/libs/*'],
  maxWorkers: 2,
  // Jest reads testTimeout only here, never from a project or its preset (jestjs/jest#9696);
  // libs/testing/src/tooling/test-timeout.spec.ts checks that it is what tests and hooks really get.
  testTimeout: 20_000,
};
