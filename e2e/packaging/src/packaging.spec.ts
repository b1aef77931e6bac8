import { signTestToken, TEST_JWT_SECRET, uniqueRoom, WsTestClient } from '@switchboard/testing';
import { build } from 'esbuild';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { ServiceProcess, startService } from '../../support/service-process';
import { freePort } from '../../../tools/testing/test-services';

// The npm packages as an outside project gets them (README, "Installing the SDK"): built and packed
// by `npm run build:packages`, installed from the tarballs into a scratch project under the system's
// temp folder (offline: `ws` is packed from this workspace's node_modules), then used from Node
// (ESM and CommonJS), type-checked with tsc, and bundled for browsers and run in headless Chromium,
// each against a real gateway process.

const REPOSITORY_ROOT = resolve(__dirname, '../../..');
const CONSUMER = resolve(__dirname, '../consumer');
const BIN = (name: string) => join(REPOSITORY_ROOT, 'node_modules/.bin', name);
const SCRIPT_TIMEOUT_MS = 60_000;
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end (or kills it after SCRIPT_TIMEOUT_MS); never rejects. */
function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<Run> {
  return new Promise((resolveRun) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
        timeout: SCRIPT_TIMEOUT_MS,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolveRun({ code, stdout, stderr: stderr || (error?.message ?? '') });
      },
    );
  });
}

async function runOrThrow(command: string, args: string[], cwd: string): Promise<string> {
  const result = await run(command, args, { cwd, env: { npm_config_update_notifier: 'false' } });
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.code}):\n${result.stderr}`);
  }
  return result.stdout;
}

/** Rejects with the program's output when it ends before `awaited` settles. */
async function unlessEndedFirst<T>(awaited: Promise<T>, program: Promise<Run>): Promise<T> {
  const ended = program.then((result) => {
    throw new Error(`ended first (${result.code}):\n${result.stdout}\n${result.stderr}`);
  });
  return Promise.race([awaited, ended]);
}

describe('the npm packages, installed from their tarballs', () => {
  let scratch: string;
  let tarballs: Record<string, string>;
  let gateway: ServiceProcess;
  let pages: Server;
  let pageOrigin: string;
  let browser: Browser | undefined;
  const peers: WsTestClient[] = [];

  /** Another user, joined to `room` over a plain WebSocket, who answers the package's client. */
  async function peerIn(room: string): Promise<WsTestClient> {
    const peer = await WsTestClient.connect(gateway.wsUrl, {
      token: signTestToken('peer', 'Peer'),
    });
    peers.push(peer);
    await peer.request({ type: 'join', room }, 'joined');
    return peer;
  }

  /**
   * The conversation every consumer has with the peer: the consumer joins `room` and sends `hello
   * from <label>`; once the peer got it, the peer answers `reply to <label>`, which the consumer
   * must receive. Resolves with the seq of the consumer's message as the peer saw it.
   */
  async function converse(
    room: string,
    label: string,
    peer: WsTestClient,
    consumer: Promise<Run>,
  ): Promise<number> {
    const heard = await unlessEndedFirst(
      peer.next('message', (frame) => frame.text === `hello from ${label}`),
      consumer,
    );
    peer.send({ type: 'message', room, text: `reply to ${label}`, clientMsgId: `reply-${label}` });
    return heard.seq;
  }

  beforeAll(async () => {
    const { SB_TEST_DATABASE_URL, SB_TEST_REDIS_URL, SB_TEST_REDIS_PREFIX } = process.env;
    if (!SB_TEST_DATABASE_URL || !SB_TEST_REDIS_URL || !SB_TEST_REDIS_PREFIX) {
      throw new Error('run through npm run test:packaging: its global setup provides the services');
    }
    const built = await runOrThrow(process.execPath, ['tools/build-packages.mjs'], REPOSITORY_ROOT);
    tarballs = JSON.parse(built.trim().split('\n').at(-1) ?? '{}') as Record<string, string>;

    scratch = await mkdtemp(join(tmpdir(), 'switchboard-packaging-'));
    const packed = join(scratch, 'tarballs');
    mkdirSync(packed);
    await runOrThrow(
      'npm',
      ['pack', join(REPOSITORY_ROOT, 'node_modules/ws'), '--pack-destination', packed],
      scratch,
    );
    const { version: ws } = JSON.parse(
      readFileSync(join(REPOSITORY_ROOT, 'node_modules/ws/package.json'), 'utf8'),
    ) as { version: string };
    const app = join(scratch, 'app');
    mkdirSync(app);
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'outside-app', private: true }),
    );
    await runOrThrow(
      'npm',
      [
        'install',
        '--offline',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        tarballs['@switchboard/client'],
        join(packed, `ws-${ws}.tgz`),
      ],
      app,
    );
    for (const file of ['node-esm.mjs', 'node-cjs.cjs', 'browser.mts', 'typed.mts']) {
      copyFileSync(join(CONSUMER, file), join(app, file));
    }
    copyFileSync(join(CONSUMER, 'typed.mts'), join(app, 'typed.cts'));
    copyFileSync(join(CONSUMER, 'typed.mts'), join(app, 'typed-bundler.ts'));

    const pagePort = await freePort();
    pageOrigin = `http://127.0.0.1:${pagePort}`;
    pages = createServer((request, response) => {
      const file = request.url === '/app.js' ? 'app.js' : 'index.html';
      const type = file === 'app.js' ? 'text/javascript' : 'text/html';
      response.writeHead(200, { 'content-type': `${type}; charset=utf-8` });
      response.end(readFileSync(join(app, 'public', file)));
    });
    await new Promise<void>((listening) => pages.listen(pagePort, '127.0.0.1', listening));

    gateway = await startService('gateway', {
      DATABASE_URL: SB_TEST_DATABASE_URL,
      REDIS_URL: SB_TEST_REDIS_URL,
      REDIS_KEY_PREFIX: `${SB_TEST_REDIS_PREFIX}packaging:`,
      JWT_SECRET: TEST_JWT_SECRET,
      ALLOWED_ORIGINS: pageOrigin,
      LOG_LEVEL: 'warn',
      SHUTDOWN_GRACE_MS: '2000',
    });
  });

  afterEach(async () => {
    await Promise.all(peers.splice(0).map((peer) => peer.close()));
  });

  afterAll(async () => {
    await browser?.close();
    await gateway?.kill('SIGTERM');
    pages?.closeAllConnections();
    await new Promise((closed) => (pages ? pages.close(closed) : closed(undefined)));
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('ships the build and the manifest only, with no dependency on the workspace', async () => {
    const listing = await runOrThrow('tar', ['-tzf', tarballs['@switchboard/client']], scratch);
    const files = listing.trim().split('\n').sort();
    expect(files.filter((file) => !file.startsWith('package/dist/'))).toEqual([
      'package/package.json',
    ]);
    const installed = join(scratch, 'app/node_modules/@switchboard/client');
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      peerDependenciesMeta?: Record<string, { optional?: boolean }>;
      engines?: { node?: string };
      exports: Record<string, Record<string, { types: string; default: string }>>;
    };
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.peerDependenciesMeta?.ws?.optional).toBe(true);
    expect(manifest.engines?.node).toBe('>=20.19');
    // Every file the exports map names is in the package, and the declarations import nothing:
    // the protocol's types are inlined.
    for (const conditions of Object.values(manifest.exports['.'])) {
      for (const file of [conditions.types, conditions.default]) {
        expect(files).toContain(join('package', file));
      }
      expect(readFileSync(join(installed, conditions.types), 'utf8')).not.toMatch(
        /\bfrom\s+['"]|import\(|require\(/,
      );
    }
  });

  it.each([
    ['node-esm', 'node-esm.mjs'],
    ['node-cjs', 'node-cjs.cjs'],
  ])(
    'works from Node %s (%s) with `ws` as the WebSocket, joining, sending and receiving',
    async (label, script) => {
      const room = uniqueRoom('packaging');
      const peer = await peerIn(room);
      const consumer = run(process.execPath, [script], {
        cwd: join(scratch, 'app'),
        env: {
          SB_URL: gateway.wsUrl,
          SB_TOKEN: signTestToken(`user-${label}`, label),
          SB_ROOM: room,
          SB_REPLY: `reply to ${label}`,
        },
      });
      const seq = await converse(room, label, peer, consumer);
      const result = await consumer;
      expect(result).toMatchObject({ code: 0 });
      const { members, sentSeq, received } = JSON.parse(result.stdout) as {
        members: number;
        sentSeq: number;
        received: { room: string; text: string; seq: number; user: { id: string } };
      };
      expect(members).toBe(2);
      expect(sentSeq).toBe(seq);
      expect(received).toMatchObject({
        room,
        text: `reply to ${label}`,
        seq: seq + 1,
        user: { id: 'peer' },
      });
    },
  );

  it('type-checks an outside TypeScript project against the declarations (CJS, ESM, bundler)', async () => {
    const app = join(scratch, 'app');
    const strict = { strict: true, skipLibCheck: false, noEmit: true, types: [] };
    const projects = {
      'tsconfig.node.json': {
        compilerOptions: {
          ...strict,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          lib: ['es2022', 'dom'],
        },
        files: ['typed.cts', 'typed.mts'],
      },
      'tsconfig.bundler.json': {
        compilerOptions: {
          ...strict,
          module: 'esnext',
          moduleResolution: 'bundler',
          lib: ['es2022', 'dom'],
        },
        files: ['typed-bundler.ts', 'browser.mts'],
      },
    };
    for (const [file, project] of Object.entries(projects)) {
      writeFileSync(join(app, file), JSON.stringify(project));
      const checked = await run(process.execPath, [BIN('tsc'), '-p', file], { cwd: app });
      expect({ project: file, code: checked.code, errors: checked.stdout }).toEqual({
        project: file,
        code: 0,
        errors: '',
      });
    }
  });

  it('bundles for browsers without `ws` or Node built-ins, and runs in headless Chromium', async () => {
    const app = join(scratch, 'app');
    const bundled = await build({
      absWorkingDir: app,
      entryPoints: ['browser.mts'],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      target: 'es2022',
      outfile: join(app, 'public/app.js'),
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(bundled.metafile.inputs);
    expect(inputs.filter((input) => /node_modules\/ws\//.test(input))).toEqual([]);
    const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
    expect(inputs.filter((input) => builtins.has(input))).toEqual([]);
    expect(inputs).toContainEqual(expect.stringMatching(/node_modules\/@switchboard\/client\//));
    writeFileSync(
      join(app, 'public/index.html'),
      '<!doctype html><meta charset="utf-8"><title>outside app</title><script type="module" src="/app.js"></script>',
    );

    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const room = uniqueRoom('packaging');
    const peer = await peerIn(room);
    const settings = new URLSearchParams({
      url: gateway.wsUrl,
      token: signTestToken('user-browser', 'Browser'),
      room,
      reply: 'reply to the browser',
    });
    await page.goto(`${pageOrigin}/#${settings.toString()}`);
    const outcome = page
      .waitForFunction(
        () => (globalThis as { switchboardResult?: unknown }).switchboardResult,
        undefined,
        { timeout: 30_000 },
      )
      .then((handle) => handle.jsonValue());
    const failed = outcome.then((result) => {
      throw new Error(`the page ended first: ${JSON.stringify(result)} ${pageErrors.join('\n')}`);
    });
    const heard = await Promise.race([
      peer.next('message', (frame) => frame.text === 'hello from the browser'),
      failed,
    ]);
    peer.send({ type: 'message', room, text: 'reply to the browser', clientMsgId: 'reply-page' });
    expect(await outcome).toMatchObject({
      sentSeq: heard.seq,
      received: { room, text: 'reply to the browser', seq: heard.seq + 1, user: { id: 'peer' } },
    });
    expect(pageErrors).toEqual([]);
  });
});
