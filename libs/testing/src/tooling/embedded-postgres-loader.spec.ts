import { existsSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// tools/ is no project of its own (no import across the boundary): its module is loaded by path, as
// the token script's spec runs the repository's scripts.
const { repairDependencyLinks } = jest.requireActual<
  typeof import('../../../../tools/testing/embedded-postgres-loader')
>(join(__dirname, '../../../../tools/testing/embedded-postgres-loader'));

// The embedded PostgreSQL copied for root under the system's temp folder is shared by every checkout,
// and its dependency links led into the checkout that made it: a deleted CI clone broke every later
// run of the fault suite with "Cannot find package 'pg'".
const DEPENDENCIES = ['pg', 'async-exit-hook'];

describe('the embedded PostgreSQL copy’s dependency links', () => {
  let directory: string;
  let copy: string;

  /** A checkout's node_modules holding the linked dependencies. */
  function checkout(name: string): string {
    const modules = join(directory, name, 'node_modules');
    for (const dependency of DEPENDENCIES)
      mkdirSync(join(modules, dependency), { recursive: true });
    return modules;
  }

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'switchboard-loader-'));
    copy = join(directory, 'copy');
    mkdirSync(join(copy, 'node_modules'), { recursive: true });
  });

  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('points links left dangling by a deleted checkout at this one', () => {
    const gone = checkout('gone');
    for (const dependency of DEPENDENCIES)
      symlinkSync(join(gone, dependency), join(copy, 'node_modules', dependency), 'dir');
    rmSync(join(directory, 'gone'), { recursive: true });
    const here = checkout('here');

    repairDependencyLinks(copy, here);

    for (const dependency of DEPENDENCIES) {
      expect(existsSync(join(copy, 'node_modules', dependency))).toBe(true);
      expect(readlinkSync(join(copy, 'node_modules', dependency))).toBe(join(here, dependency));
    }
  });

  it('leaves links that still lead to a checkout as they are', () => {
    const first = checkout('first');
    for (const dependency of DEPENDENCIES)
      symlinkSync(join(first, dependency), join(copy, 'node_modules', dependency), 'dir');

    repairDependencyLinks(copy, checkout('second'));

    expect(readlinkSync(join(copy, 'node_modules', 'pg'))).toBe(join(first, 'pg'));
  });
});
