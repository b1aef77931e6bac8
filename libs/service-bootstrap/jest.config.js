module.exports = {
  displayName: 'service-bootstrap',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
