import { defineConfig } from 'tsup';

// `npm run build:packages` builds this into packages/react (git-ignored), next to a copy of
// package.json. React and @switchboard/client are peers, imported as they are (one React and one
// SDK in an app: a second copy would break hooks and `instanceof`); the protocol's types are inlined.
export default defineConfig({
  entry: { index: 'libs/react/src/index.ts' },
  outDir: 'packages/react/dist',
  format: ['esm', 'cjs'],
  platform: 'neutral',
  target: 'es2022',
  tsconfig: 'tsconfig.build.json',
  dts: true,
  sourcemap: true,
  treeshake: true,
  noExternal: [/^@switchboard\/(?!client$)/],
  external: ['@switchboard/client', 'react', 'react-dom', /^react\//],
});
