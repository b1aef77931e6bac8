import { defineConfig, type Options } from 'tsup';

// `npm run build:packages` builds this into packages/client (git-ignored), next to a copy of
// package.json. The protocol lib is bundled and its types inlined, so the package stands alone.
const shared: Options = {
  entry: { index: 'libs/client/src/index.ts' },
  platform: 'neutral',
  target: 'es2022',
  tsconfig: 'tsconfig.build.json',
  sourcemap: true,
  treeshake: true,
  noExternal: [/^@switchboard\//],
};

export default defineConfig([
  // Node and bundlers without the `browser` condition: `ws` stays an import, loaded only when
  // there is no global WebSocket.
  {
    ...shared,
    outDir: 'packages/client/dist',
    format: ['esm', 'cjs'],
    dts: true,
    external: ['ws'],
  },
  // The `browser` condition: browsers have WebSocket, so `ws` is replaced by an empty module and a
  // browser bundle never sees it (nor the Node built-ins it needs).
  {
    ...shared,
    outDir: 'packages/client/dist/browser',
    format: ['esm'],
    esbuildPlugins: [
      {
        name: 'no-ws-in-browsers',
        setup(build) {
          build.onResolve({ filter: /^ws$/ }, () => ({ path: 'ws', namespace: 'no-ws' }));
          build.onLoad({ filter: /.*/, namespace: 'no-ws' }, () => ({
            contents: 'export default undefined; export const WebSocket = undefined;',
          }));
        },
      },
    ],
  },
]);
