module.exports = { displayName: 'long-poll', preset: '../../jest.preset.js', rootDir: __dirname };
