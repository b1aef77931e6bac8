// Loads @switchboard/react from Node through both entries (server rendering, tests), with React
// and the SDK as the app's own peers, and prints what each exports.
import { createRequire } from 'node:module';

const esm = await import('@switchboard/react');
const cjs = createRequire(import.meta.url)('@switchboard/react');
console.log(JSON.stringify({ esm: Object.keys(esm).sort(), cjs: Object.keys(cjs).sort() }));
