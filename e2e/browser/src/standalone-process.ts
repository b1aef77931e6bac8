import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The built `npm start` as a child process, and where its parts answer. */
export interface StandaloneUrls {
  /** The demo app: `http://127.0.0.1:<PORT+3>`. */
  webUrl: string;
  gatewayHttpUrl: string;
  notificationsUrl: string;
  historyUrl: string;
  jwtSecret: string;
  serviceApiKey: string;
}

const REPOSITORY_ROOT = resolve(__dirname, '../../..');
const STANDALONE_SCRIPT = join(REPOSITORY_ROOT, 'dist/tools/standalone.js');
const STARTUP_TIMEOUT_MS = 60_000;
const JWT_SECRET = 'browser-suite-jwt-secret-0123456789';
const SERVICE_API_KEY = 'browser-suite-service-api-key-0123';

function canListen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, () => server.close(() => done(true)));
  });
}

/** A port whose next three are free too: the standalone takes PORT to PORT+3. */
async function freePortRun(length: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    let free = true;
    for (let offset = 0; offset < length && free; offset += 1)
      free = await canListen(base + offset);
    if (free) return base;
  }
  throw new Error('no run of free ports found');
}

export interface StandaloneProcess {
  urls: StandaloneUrls;
  stop(): Promise<void>;
}

/**
 * Starts `node dist/tools/standalone.js` on the run's test database, with the bus, presence and
 * rate limits in memory, as `npm start` runs for a new user.
 */
export async function startStandalone(): Promise<StandaloneProcess> {
  const databaseUrl = process.env.SB_TEST_DATABASE_URL;
  if (!databaseUrl)
    throw new Error('SB_TEST_DATABASE_URL is not set: run through npm run test:browser');
  if (!existsSync(STANDALONE_SCRIPT))
    throw new Error(`${STANDALONE_SCRIPT} is missing: run \`npm run build\` first`);
  const port = await freePortRun(4);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    JWT_SECRET,
    SERVICE_API_KEY,
    LOG_LEVEL: 'warn',
  };
  // One process, one bus: the dashboard sees every instance without Redis.
  delete env.REDIS_URL;
  delete env.METRICS_PORT;
  // Its .data/ (development secrets) goes to a scratch folder, never the repository's.
  const scratch = mkdtempSync(join(tmpdir(), 'sb-browser-'));
  const child = spawn(process.execPath, [STANDALONE_SCRIPT], {
    cwd: scratch,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));

  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`the standalone did not start in time:\n${output}`)),
      STARTUP_TIMEOUT_MS,
    );
    const check = () => {
      if (!output.includes('Stop with Ctrl+C.')) return;
      clearTimeout(timer);
      child.stdout.off('data', check);
      ready();
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`the standalone exited (${code}):\n${output}`));
    });
  });

  return {
    urls: {
      webUrl: `http://127.0.0.1:${port + 3}`,
      gatewayHttpUrl: `http://127.0.0.1:${port}`,
      notificationsUrl: `http://127.0.0.1:${port + 1}`,
      historyUrl: `http://127.0.0.1:${port + 2}`,
      jwtSecret: JWT_SECRET,
      serviceApiKey: SERVICE_API_KEY,
    },
    stop: async () => {
      try {
        await stopChild(child, exited, () => output);
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    },
  };
}

async function stopChild(
  child: ChildProcess,
  exited: Promise<number | null>,
  output: () => string,
): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([
    exited,
    new Promise<'timeout'>((done) => (timer = setTimeout(() => done('timeout'), 15_000))),
  ]);
  clearTimeout(timer);
  if (code === 'timeout') {
    child.kill('SIGKILL');
    throw new Error(`the standalone did not stop on SIGTERM:\n${output()}`);
  }
  if (code !== 0) throw new Error(`the standalone exited with ${code} on SIGTERM:\n${output()}`);
}
