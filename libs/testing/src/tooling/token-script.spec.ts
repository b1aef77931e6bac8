import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPOSITORY = join(__dirname, '../../../..');

interface ScriptRun {
  code: number;
  stdout: string;
  stderr: string;
}

function npmRun(directory: string, args: string[]): Promise<ScriptRun> {
  return new Promise((resolve) => {
    execFile('npm', ['run', '-s', ...args], { cwd: directory }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

function filesUnder(directory: string): string[] {
  return readdirSync(directory, { recursive: true, encoding: 'utf8' }).sort();
}

// `npm run token` once rebuilt dist/ in place, and a service restarting meanwhile found modules
// missing. It runs the built tool as it is, so it is tried here in a directory of its own holding
// the repository's scripts and a stand-in for the built tool that echoes its arguments.
describe('npm run token', () => {
  let directory: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'switchboard-token-script-'));
    const { scripts } = JSON.parse(readFileSync(join(REPOSITORY, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    writeFileSync(join(directory, 'package.json'), JSON.stringify({ scripts }));
  });

  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('runs the built tool with the given arguments and builds nothing', async () => {
    mkdirSync(join(directory, 'dist/tools'), { recursive: true });
    writeFileSync(
      join(directory, 'dist/tools/token.js'),
      'process.stdout.write(JSON.stringify(process.argv.slice(2)));',
    );
    const before = filesUnder(directory);

    const run = await npmRun(directory, ['token', '--', 'alice', 'Alice Smith']);

    expect(run).toEqual({ code: 0, stdout: '["alice","Alice Smith"]', stderr: '' });
    expect(filesUnder(directory)).toEqual(before);
  });

  it('says to build first when there is no built tool, and builds nothing', async () => {
    const run = await npmRun(directory, ['token', '--', 'alice']);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('run npm run build (or npm start) first');
    expect(filesUnder(directory)).toEqual(['package.json']);
  });
});
