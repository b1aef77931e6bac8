import { defineConfig } from 'tsup';

// `npm run build:packages` builds this into packages/client (git-ignored), next to a copy of
// package.json. The protocol lib is bundled and its types inlined, so the package stands alone.
// One build serves Node and browsers: the SDK loads `ws` only when there is no global WebSocket,
// through an import that bundlers do not follow.
export default defineConfig({
  entry: { index: 'libs/client/src/index.ts' },
  outDir: 'packages/client/dist',
  format: ['esm', 'cjs'],
  platform: 'neutral',
  target: 'es2022',
  tsconfig: 'tsconfig.build.json',
  dts: true,
  sourcemap: true,
  treeshake: true,
  noExternal: [/^@switchboard\//],
  external: ['ws'],
});
