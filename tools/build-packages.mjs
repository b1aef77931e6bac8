// `npm run build:packages`: builds the npm packages (@switchboard/client, and @switchboard/react once
// libs/react has a package.json) with tsup into packages/<name>/ (git-ignored), copies each package.json
// next to its build, and packs each into packages/<scope>-<name>-<version>.tgz, ready for `npm install`.
// Prints the tarballs' paths as JSON on its last line.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const packages = join(root, 'packages');
const LIBS = ['client', 'react'];

mkdirSync(packages, { recursive: true });
const tarballs = {};
for (const lib of LIBS) {
  const manifest = join(root, 'libs', lib, 'package.json');
  if (!existsSync(manifest)) continue;
  const { name, version } = JSON.parse(readFileSync(manifest, 'utf8'));
  const output = join(packages, lib);
  rmSync(output, { recursive: true, force: true });
  try {
    execFileSync(
      join(root, 'node_modules/.bin/tsup'),
      ['--config', join('libs', lib, 'tsup.config.ts')],
      {
        cwd: root,
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
  } catch {
    console.error(`build:packages: tsup failed for ${name} (its errors are above)`);
    process.exit(1);
  }
  copyFileSync(manifest, join(output, 'package.json'));
  const readme = join(root, 'libs', lib, 'README.md');
  if (existsSync(readme)) copyFileSync(readme, join(output, 'README.md'));
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', packages], {
      cwd: output,
      encoding: 'utf8',
    }),
  );
  tarballs[name] = join(packages, packed.filename);
  console.log(
    `${name}@${version}: ${packed.filename} (${packed.size} bytes, ${packed.entryCount} files)`,
  );
}
console.log(JSON.stringify(tarballs));
