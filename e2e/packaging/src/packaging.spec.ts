import { signTestToken, TEST_JWT_SECRET, uniqueRoom, WsTestClient } from '@switchboard/testing';
import { build } from 'esbuild';
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
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
/**
 * What an outside app installs next to the packages, packed from this workspace's node_modules so
 * the install needs no registry: the optional peer `ws`, React (with react-dom's dependency) and
 * React's types (with theirs).
 */
const PEERS = [
  'ws',
  'react',
  'react-dom',
  'scheduler',
  '@types/react',
  '@types/react-dom',
  'csstype',
];
/** Offline, with an empty cache of the scratch project's own: only the given tarballs install. */
const INSTALL_FLAGS = ['--offline', '--no-audit', '--no-fund', '--ignore-scripts'];
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
    const peers = await runOrThrow(
      'npm',
      [
        'pack',
        '--json',
        '--pack-destination',
        packed,
        ...PEERS.map((name) => join(REPOSITORY_ROOT, 'node_modules', name)),
      ],
      scratch,
    );
    const peerTarballs = (JSON.parse(peers) as { filename: string }[]).map(({ filename }) =>
      join(packed, filename),
    );
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
        ...INSTALL_FLAGS,
        '--cache',
        join(scratch, 'npm-cache'),
        tarballs['@switchboard/client'],
        tarballs['@switchboard/react'],
        ...peerTarballs,
      ],
      app,
    );
    // A second app with the SDK alone: no `ws`.
    const bare = join(scratch, 'bare');
    mkdirSync(bare);
    writeFileSync(join(bare, 'package.json'), JSON.stringify({ name: 'bare-app', private: true }));
    await runOrThrow(
      'npm',
      [
        'install',
        ...INSTALL_FLAGS,
        '--cache',
        join(scratch, 'npm-cache'),
        tarballs['@switchboard/client'],
      ],
      bare,
    );
    copyFileSync(join(CONSUMER, 'node-without-ws.mjs'), join(bare, 'node-without-ws.mjs'));
    for (const file of readdirSync(CONSUMER)) copyFileSync(join(CONSUMER, file), join(app, file));
    copyFileSync(join(CONSUMER, 'typed.mts'), join(app, 'typed.cts'));
    copyFileSync(join(CONSUMER, 'typed.mts'), join(app, 'typed-bundler.ts'));
    mkdirSync(join(app, 'public'));

    const pagePort = await freePort();
    pageOrigin = `http://127.0.0.1:${pagePort}`;
    pages = createServer((request, response) => {
      const file = (request.url ?? '/').slice(1) || 'index.html';
      const type = file.endsWith('.js') ? 'text/javascript' : 'text/html';
      const path = join(app, 'public', file.split('?')[0].replace(/[^\w.-]/g, ''));
      if (!existsSync(path)) return void response.writeHead(404).end();
      response.writeHead(200, { 'content-type': `${type}; charset=utf-8` });
      response.end(readFileSync(path));
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

  /** The imports a package's declarations make: none but its peers (the protocol's are inlined). */
  function importsOf(declarations: string): string[] {
    const specifiers = [
      ...declarations.matchAll(/\bfrom\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]/g),
    ];
    return [...new Set(specifiers.map((match) => match[1] ?? match[2]))].sort();
  }

  it.each([
    ['@switchboard/client', [], { ws: true }],
    ['@switchboard/react', ['@switchboard/client', 'react'], { 'react-dom': true }],
  ])(
    '%s ships its build and manifest only, and depends on nothing but its peers %j',
    async (name, typeImports, optionalPeers) => {
      const listing = await runOrThrow('tar', ['-tzf', tarballs[name]], scratch);
      const files = listing.trim().split('\n').sort();
      expect(files.filter((file) => !file.startsWith('package/dist/'))).toEqual([
        'package/package.json',
      ]);
      const installed = join(scratch, 'app/node_modules', name);
      const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>;
        peerDependencies?: Record<string, string>;
        peerDependenciesMeta?: Record<string, { optional?: boolean }>;
        engines?: { node?: string };
        sideEffects?: boolean;
        exports: Record<string, Record<string, { types: string; default: string }>>;
      };
      expect(manifest).toMatchObject({ engines: { node: '>=20.19' }, sideEffects: false });
      expect(manifest.dependencies).toBeUndefined();
      for (const peer of Object.keys(optionalPeers)) {
        expect(manifest.peerDependenciesMeta?.[peer]?.optional).toBe(true);
      }
      for (const peer of typeImports) expect(manifest.peerDependencies).toHaveProperty(peer);
      // Every file the exports map names is in the package; the declarations import only peers.
      for (const conditions of Object.values(manifest.exports['.'])) {
        for (const file of [conditions.types, conditions.default]) {
          expect(files).toContain(join('package', file));
        }
        expect(importsOf(readFileSync(join(installed, conditions.types), 'utf8'))).toEqual(
          typeImports,
        );
      }
    },
  );

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

  it('without `ws` on Node 20, connect() fails once with an error naming what to install or pass', async () => {
    const result = await run(process.execPath, ['node-without-ws.mjs'], {
      cwd: join(scratch, 'bare'),
      env: { SB_URL: gateway.wsUrl },
    });
    expect(result).toMatchObject({ code: 0 });
    const outcome = JSON.parse(result.stdout) as { error?: string; states: string[] };
    expect(outcome.error).toMatch(/\bws\b/);
    expect(outcome.error).toMatch(/createSocket/);
    expect(outcome.states).not.toContain('reconnecting');
  });

  it('loads @switchboard/react from Node through its ESM and CommonJS entries', async () => {
    const loaded = await run(process.execPath, ['react-node.mjs'], { cwd: join(scratch, 'app') });
    expect(loaded).toMatchObject({ code: 0 });
    const { esm, cjs } = JSON.parse(loaded.stdout) as { esm: string[]; cjs: string[] };
    expect(esm).toEqual(cjs);
    expect(esm).toEqual(
      expect.arrayContaining([
        'SwitchboardProvider',
        'useConnectionState',
        'useNotifications',
        'useRoom',
      ]),
    );
  });

  it('type-checks outside TypeScript projects against the declarations (CJS, ESM, bundler, TSX)', async () => {
    const app = join(scratch, 'app');
    const strict = { strict: true, skipLibCheck: false, noEmit: true, types: [] };
    const bundler = { module: 'esnext', moduleResolution: 'bundler', lib: ['es2022', 'dom'] };
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
        compilerOptions: { ...strict, ...bundler },
        files: ['typed-bundler.ts', 'browser.mts'],
      },
      'tsconfig.react.json': {
        compilerOptions: { ...strict, ...bundler, jsx: 'react-jsx' },
        files: ['react-app.tsx'],
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

  /**
   * Bundles `entry` from the scratch app for browsers, as an app's bundler would, and checks that
   * nothing of `ws` or Node's built-ins went in; returns the page's path.
   */
  async function bundleForBrowsers(entry: string, name: string): Promise<string> {
    const app = join(scratch, 'app');
    const bundled = await build({
      absWorkingDir: app,
      entryPoints: [entry],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      target: 'es2022',
      jsx: 'automatic',
      define: { 'process.env.NODE_ENV': '"production"' },
      outfile: join(app, 'public', `${name}.js`),
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(bundled.metafile.inputs);
    expect(inputs.filter((input) => /node_modules\/ws\//.test(input))).toEqual([]);
    const builtins = new Set(builtinModules.flatMap((module) => [module, `node:${module}`]));
    expect(inputs.filter((input) => builtins.has(input))).toEqual([]);
    expect(inputs).toContainEqual(expect.stringMatching(/node_modules\/@switchboard\/client\//));
    writeFileSync(
      join(app, 'public', `${name}.html`),
      `<!doctype html><meta charset="utf-8"><title>${name}</title><div id="root"></div>` +
        `<script type="module" src="/${name}.js"></script>`,
    );
    return `/${name}.html`;
  }

  /** A new page of headless Chromium (launched once), with its uncaught errors collected. */
  async function newPage(): Promise<{ page: Page; errors: string[] }> {
    browser ??= await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    return { page, errors };
  }

  function pageSettings(room: string, label: string): string {
    return new URLSearchParams({
      url: gateway.wsUrl,
      token: signTestToken(`user-${label}`, label),
      room,
      reply: `reply to ${label}`,
    }).toString();
  }

  it('bundles for browsers without `ws` or Node built-ins, and runs in headless Chromium', async () => {
    const path = await bundleForBrowsers('browser.mts', 'browser');
    const { page, errors } = await newPage();
    const room = uniqueRoom('packaging');
    const peer = await peerIn(room);
    await page.goto(`${pageOrigin}${path}#${pageSettings(room, 'the browser')}`);
    const outcome = page
      .waitForFunction(
        () => (globalThis as { switchboardResult?: unknown }).switchboardResult,
        undefined,
        { timeout: 30_000 },
      )
      .then((handle) => handle.jsonValue());
    const failed = outcome.then((result) => {
      throw new Error(`the page ended first: ${JSON.stringify(result)} ${errors.join('\n')}`);
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
    expect(errors).toEqual([]);
    await page.close();
  });

  it('runs a React 19 app on @switchboard/react in headless Chromium: joins, sends, shows both in order', async () => {
    const path = await bundleForBrowsers('react-app.tsx', 'react-app');
    const { page, errors } = await newPage();
    const room = uniqueRoom('packaging');
    const peer = await peerIn(room);
    await page.goto(`${pageOrigin}${path}#${pageSettings(room, 'React')}`);
    await page
      .waitForSelector('main[data-status="joined"][data-state="open"]', {
        state: 'attached',
        timeout: 30_000,
      })
      .catch(async (error: unknown) => {
        throw new Error(`${String(error)}\npage: ${await page.content()}\n${errors.join('\n')}`);
      });
    const heard = await peer.next('message', (frame) => frame.text === 'hello from react');
    expect(heard.user).toEqual({ id: 'user-React', name: 'React' });
    peer.send({ type: 'message', room, text: 'reply to React', clientMsgId: 'reply-react' });
    await page.locator('li').nth(1).waitFor({ timeout: 30_000 });
    expect(await page.locator('li').allTextContents()).toEqual([
      'React: hello from react',
      'Peer: reply to React',
    ]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
