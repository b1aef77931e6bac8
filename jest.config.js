// `npm test`: every project in one Jest run, so the run's database and Redis prefix are made once.
module.exports = {
  projects: ['<rootDir>/apps/*', '<rootDir>/libs/*'],
  maxWorkers: 2,
  // Jest reads testTimeout only here, never from a project or its preset (jestjs/jest#9696);
  // libs/testing/src/tooling/test-timeout.spec.ts checks that it is what tests and hooks really get.
  testTimeout: 20_000,
  // A worker that ran the gateway's specs holds a heap of ~550 MB, and Node takes 0.6-0.9 s on this
  // machine to tear such a process down after its last `exit` handler: within Jest's default 500 ms
  // grace that read as "a worker process has failed to exit gracefully" with no handle left open.
  workerGracefulExitTimeout: 2_000,
};
