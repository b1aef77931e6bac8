module.exports = { displayName: 'history', preset: '../../jest.preset.js', rootDir: __dirname };
