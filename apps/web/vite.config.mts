import react from '@vitejs/plugin-react';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const appRoot = dirname(fileURLToPath(import.meta.url));
const workspaceRoot = join(appRoot, '../..');

/** The workspace's `@switchboard/*` aliases, from the one place they are declared. */
function workspaceAliases(): Record<string, string> {
  const { compilerOptions } = JSON.parse(
    readFileSync(join(workspaceRoot, 'tsconfig.base.json'), 'utf8'),
  ) as { compilerOptions: { paths: Record<string, [string]> } };
  return Object.fromEntries(
    Object.entries(compilerOptions.paths).map(([alias, [target]]) => [
      alias,
      join(workspaceRoot, target),
    ]),
  );
}

// `npm run build` (tools/build.mjs) passes --outDir into the same .build/<id>/ as the services, so
// `npm start` serves the app of the build it runs.
export default defineConfig({
  root: appRoot,
  plugins: [react()],
  resolve: { alias: workspaceAliases() },
  build: { outDir: join(appRoot, 'dist'), emptyOutDir: true, sourcemap: true },
});
