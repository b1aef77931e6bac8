// React bindings run in jsdom, as in a browser; their specs also boot the real services in the same
// process, so modules resolve with Node's export conditions (the `browser` build of `ws` is a stub).
const preset = require('../../jest.preset.js');

module.exports = {
  ...preset,
  displayName: 'react',
  rootDir: __dirname,
  testEnvironment: require.resolve('./jest-environment.js'),
  testEnvironmentOptions: { customExportConditions: ['node', 'node-addons'] },
};
