// `npm run build`: compiles the workspace into a new folder under .build/, then points the `dist`
// symlink at it in one rename. A service already running from dist/ keeps loading its own build (Node
// resolves the symlink when it starts), so building never pulls modules from under it; the newest
// builds are kept for such services and older ones removed.
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const builds = join(root, '.build');
const dist = join(root, 'dist');
const KEEP = 3;

const id = `${new Date().toISOString().replace(/[-:.]/g, '')}-${process.pid}`;
const output = join(builds, id);
mkdirSync(builds, { recursive: true });

const bin = (name) => join(root, 'node_modules/.bin', name);
try {
  execFileSync(bin('tsc'), ['-p', 'tsconfig.build.json', '--outDir', output], {
    cwd: root,
    stdio: 'inherit',
  });
  execFileSync(bin('tsc-alias'), ['-p', 'tsconfig.build.json', '--outDir', output], {
    cwd: root,
    stdio: 'inherit',
  });
  // The demo app (apps/web) beside the services, so `npm start` serves the app of its own build.
  execFileSync(
    bin('vite'),
    [
      'build',
      '--config',
      'apps/web/vite.config.mts',
      '--outDir',
      join(output, 'apps/web'),
      '--emptyOutDir',
      '--logLevel',
      'warn',
    ],
    { cwd: root, stdio: 'inherit' },
  );
} catch {
  rmSync(output, { recursive: true, force: true });
  process.exit(1);
}

function isRealDirectory(path) {
  try {
    const stat = lstatSync(path);
    return stat.isDirectory() && !stat.isSymbolicLink();
  } catch {
    return false;
  }
}

// A dist/ from before builds were kept aside is moved there once, so it is replaced like any other.
if (isRealDirectory(dist)) renameSync(dist, join(builds, `${id}-previous`));

const link = join(root, `dist.${id}.tmp`);
symlinkSync(relative(root, output), link, 'dir');
renameSync(link, dist);

const stale = readdirSync(builds).sort().reverse().slice(KEEP);
for (const name of stale) rmSync(join(builds, name), { recursive: true, force: true });
