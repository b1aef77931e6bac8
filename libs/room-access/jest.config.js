module.exports = { displayName: 'room-access', preset: '../../jest.preset.js', rootDir: __dirname };
