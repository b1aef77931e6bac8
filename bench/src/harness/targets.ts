import { join } from 'node:path';
import { request } from 'node:http';
import {
  bareWsProtocol,
  socketIoProtocol,
  switchboardProtocol,
  WsProtocol,
} from '../protocols/ws-protocols';
import { READY_LINE } from '../peers/peer-options';
import { BenchEnvironment } from './environment';
import { freePort, ServerGroup, ServerProcess, startServer } from './processes';
import { DeployedService, SERVICE_NODE_FLAGS } from '../../../tools/testing/test-services';

/** The compiled workspace: bench/src/harness → dist. */
const DIST = join(__dirname, '..', '..', '..');
const peerScript = (name: string) => join(DIST, 'bench', 'src', 'peers', `${name}.js`);
/** A Switchboard service's compiled entry point. */
export const switchboardScript = (service: DeployedService) =>
  join(DIST, 'apps', service, 'src', 'main.js');

/**
 * `ws+ioredis` frames each broadcast once and writes that buffer to every member (the ceiling ratios
 * are judged against); `ws+ioredis (per-socket framing)` lets `ws.send` frame it for each member.
 */
export type WsTargetName =
  'switchboard' | 'ws' | 'ws+ioredis' | 'ws+ioredis (per-socket framing)' | 'socket.io';

/** A WebSocket server under test, with one or two instances, and how to talk to it. */
export interface WsTarget {
  name: WsTargetName;
  protocol: WsProtocol;
  /** One port per instance: subscribers are spread across them, the publisher uses the first. */
  ports: number[];
  servers: ServerGroup;
}

export function httpStatus(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

async function waitForReadyLine(server: ServerProcess): Promise<void> {
  await server.waitUntil(async () => server.recentOutput.includes(READY_LINE));
}

/** Environment of a Switchboard service as `start:*` runs it: persistence, Redis and every check on. */
export function switchboardEnv(
  env: BenchEnvironment,
  port: number,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    PORT: String(port),
    DATABASE_URL: env.databaseUrl,
    REDIS_URL: env.redisUrl,
    REDIS_KEY_PREFIX: env.redisPrefix,
    JWT_SECRET: env.jwtSecret,
    SERVICE_API_KEY: env.serviceApiKey,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    ...extra,
  };
}

/**
 * BENCH_NODE_FLAGS adds node flags of any kind to every WebSocket target's processes, peers too
 * (`--trace-gc`: where pauses come from), which NODE_OPTIONS does not all take.
 */
function nodeFlags(): string[] {
  return process.env.BENCH_NODE_FLAGS?.split(/\s+/).filter(Boolean) ?? [];
}

/**
 * With BENCH_CPU_PROF=<dir>, Switchboard's processes write V8 CPU profiles there when they stop
 * (open them in Chrome DevTools or speedscope): how a hot path is found.
 */
function diagnosticOptions(): string[] {
  const directory = process.env.BENCH_CPU_PROF;
  return [...(directory ? ['--cpu-prof', '--cpu-prof-dir', directory] : []), ...nodeFlags()];
}

/** The node flags of a Switchboard service as deployed, and the diagnostics asked for. */
export function switchboardNodeFlags(service: DeployedService): string[] {
  return [...SERVICE_NODE_FLAGS[service], ...diagnosticOptions()];
}

/** Starts `dist/apps/<service>/src/main.js` on the server core and waits for /health/ready. */
export async function startSwitchboardService(
  service: DeployedService,
  env: BenchEnvironment,
  extra: Record<string, string> = {},
  flags: string[] = [],
): Promise<{ server: ServerProcess; port: number }> {
  const port = await freePort();
  const server = startServer(
    `switchboard ${service}:${port}`,
    switchboardScript(service),
    [],
    switchboardEnv(env, port, extra),
    [...switchboardNodeFlags(service), ...flags],
  );
  await server.waitUntil(async () => (await httpStatus(port, '/health/ready')) === 200);
  return { server, port };
}

/**
 * Starts a target. `instances` is 2 for the scaled peers and Switchboard (as deployed: two gateways
 * on Redis and PostgreSQL) and 1 where a scenario measures one process. `gatewayEnv` adds settings
 * (a publisher's higher rate limit) without turning any check off; `inspector` starts every process
 * with one (`ServerProcess.collectGarbage`).
 */
export async function startWsTarget(
  name: WsTargetName,
  env: BenchEnvironment,
  options: { instances?: 1 | 2; gatewayEnv?: Record<string, string>; inspector?: boolean } = {},
): Promise<WsTarget> {
  const flags = options.inspector ? ['--inspect=127.0.0.1:0'] : [];
  const instances = name === 'ws' ? 1 : (options.instances ?? 2);
  const started: ServerProcess[] = [];
  const ports: number[] = [];
  try {
    for (let i = 0; i < instances; i++) {
      if (name === 'switchboard') {
        const { server, port } = await startSwitchboardService(
          'gateway',
          env,
          options.gatewayEnv,
          flags,
        );
        started.push(server);
        ports.push(port);
        continue;
      }
      const port = await freePort();
      const redis =
        name === 'ws'
          ? []
          : // A prefix of its own: targets open at the same time must not hear each other's publishes.
            [
              '--redis',
              env.redisUrl,
              '--prefix',
              `${env.redisPrefix}peer:${name.replace(/\W+/g, '-')}:`,
            ];
      const server = startServer(
        `${name}:${port}`,
        peerScript(name === 'socket.io' ? 'socketio-peer' : 'ws-peer'),
        [
          '--port',
          String(port),
          ...redis,
          ...(name === 'ws+ioredis (per-socket framing)' ? ['--per-socket-framing'] : []),
        ],
        {},
        [...nodeFlags(), ...flags],
      );
      started.push(server);
      await waitForReadyLine(server);
      ports.push(port);
    }
  } catch (error) {
    await new ServerGroup(started).stop();
    throw error;
  }
  const protocol =
    name === 'switchboard'
      ? switchboardProtocol((user) => env.tokenOf(user))
      : name === 'socket.io'
        ? socketIoProtocol
        : bareWsProtocol;
  return { name, protocol, ports, servers: new ServerGroup(started) };
}

export { peerScript, waitForReadyLine };
