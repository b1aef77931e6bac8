// `npm test`: every project in one Jest run, so the run's database and Redis prefix are made once.
module.exports = {
  projects: ['<rootDir>/apps/*', '<rootDir>/libs/*'],
  maxWorkers: 2,
};
