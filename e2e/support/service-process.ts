import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  DeployedService as ServiceName,
  freePort,
  SERVICE_NODE_FLAGS,
} from '../../tools/testing/test-services';

export type { ServiceName };

/** One Switchboard service running as its own process from `dist/`, as it runs in production. */
export interface ServiceProcess {
  readonly name: ServiceName;
  readonly pid: number;
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly httpUrl: string;
  /** `ws://127.0.0.1:<port>/ws` */
  readonly wsUrl: string;
  /** Everything the process printed so far, stdout and stderr interleaved as they arrived. */
  logs(): string;
  /** Resident memory now, from /proc/<pid>/status (VmRSS). */
  rssBytes(): Promise<number>;
  /** Sends the signal; resolves with the exit code (null when a signal ended it) once it exited. */
  kill(signal: NodeJS.Signals): Promise<number | null>;
  /** Resolves with the exit code (null when a signal ended it) when the process exits. */
  readonly exited: Promise<number | null>;
}

const REPOSITORY_ROOT = resolve(__dirname, '../..');
const STARTUP_TIMEOUT_MS = 30_000;
const PROBE_INTERVAL_MS = 100;

function mainScriptOf(name: ServiceName): string {
  return join(REPOSITORY_ROOT, 'dist/apps', name, 'src/main.js');
}

async function answersLive(httpUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${httpUrl}/health/live`, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

class SpawnedService implements ServiceProcess {
  readonly httpUrl: string;
  readonly wsUrl: string;
  readonly exited: Promise<number | null>;
  private output = '';
  private hasExited = false;

  constructor(
    readonly name: ServiceName,
    readonly port: number,
    private readonly child: ChildProcess,
  ) {
    this.httpUrl = `http://127.0.0.1:${port}`;
    this.wsUrl = `ws://127.0.0.1:${port}/ws`;
    const keep = (chunk: Buffer) => {
      this.output += chunk.toString('utf8');
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolveExit) => {
      // 'close' comes after the output streams ended, so logs() is complete once this resolves.
      child.once('close', (code) => {
        this.hasExited = true;
        resolveExit(code);
      });
      child.once('error', (error) => {
        this.output += `\nspawn failed: ${error.message}\n`;
        this.hasExited = true;
        resolveExit(null);
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get isRunning(): boolean {
    return !this.hasExited;
  }

  logs(): string {
    return this.output;
  }

  async rssBytes(): Promise<number> {
    const status = await readFile(`/proc/${this.pid}/status`, 'utf8');
    const kib = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    if (kib === undefined) throw new Error(`${this.name} (pid ${this.pid}) reports no VmRSS`);
    return Number(kib) * 1024;
  }

  async kill(signal: NodeJS.Signals): Promise<number | null> {
    if (this.isRunning) this.child.kill(signal);
    return this.exited;
  }
}

/**
 * Spawns `node dist/apps/<name>/src/main.js`, with the node flags the service is deployed with, and
 * `env` (and PORT: the given port or a free one); resolves once `/health/live` answers. The service
 * sees only `env`, PATH and PORT, so the caller's shell cannot change what is tested. Requires
 * `npm run build` first. If the process exits before answering, or does not answer within 30 s,
 * rejects with its logs (and kills it in the second case).
 */
export async function startService(
  name: ServiceName,
  env: Record<string, string>,
  options: { port?: number } = {},
): Promise<ServiceProcess> {
  const script = mainScriptOf(name);
  if (!existsSync(script)) {
    throw new Error(`${script} does not exist: run \`npm run build\` first`);
  }
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS[name], script], {
    cwd: REPOSITORY_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const service = new SpawnedService(name, port, child);
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (service.isRunning) {
    if (await answersLive(service.httpUrl)) return service;
    if (Date.now() > deadline) {
      await service.kill('SIGKILL');
      throw new Error(
        `${name} did not answer /health/live within ${STARTUP_TIMEOUT_MS} ms:\n${service.logs()}`,
      );
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, PROBE_INTERVAL_MS));
  }
  const code = await service.exited;
  throw new Error(`${name} exited with code ${code} before answering:\n${service.logs()}`);
}
