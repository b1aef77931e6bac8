module.exports = { displayName: 'presence', preset: '../../jest.preset.js', rootDir: __dirname };
