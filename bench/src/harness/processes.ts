import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { WebSocket } from 'ws';

/** Servers run on core 0, the load generator on core 1 (when the machine has two). */
export const SERVER_CORE = 0;
export const LOAD_CORE = cpus().length > 1 ? 1 : 0;

/**
 * The unit of utime and stime in /proc/<pid>/stat (sysconf CLK_TCK, 100 on Linux): a process's CPU
 * is read in whole ticks, so a window's figure is exact to about one tick per process.
 */
export const CLOCK_TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU seconds from a /proc/<pid>/stat line. */
function cpuSecondsOfStat(stat: string): number {
  // Fields 14 and 15 (utime, stime) are the 12th and 13th after the parenthesized command name.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** Fields 16 and 17 (cutime, cstime): the CPU of the process's children that exited and were reaped. */
function reapedChildrenCpuSecondsOfStat(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS_PER_SECOND;
}

let tasksetChecked: boolean | null = null;
function hasTaskset(): boolean {
  if (tasksetChecked === null) {
    try {
      execFileSync('taskset', ['-V'], { stdio: 'ignore' });
      tasksetChecked = true;
    } catch {
      tasksetChecked = false;
    }
  }
  return tasksetChecked;
}

/** Pins this process (the load generator) to its core; false where taskset is missing. */
export function pinSelf(): boolean {
  if (!hasTaskset()) return false;
  execFileSync('taskset', ['-p', '-c', String(LOAD_CORE), String(process.pid)], {
    stdio: 'ignore',
  });
  return true;
}

// Ports are found the way the test setup finds them.
export { freePort } from '../../../tools/testing/test-services';

/**
 * With BENCH_SERVER_LOG=<dir>, every server's output is also appended to `<dir>/<name>.log`, each
 * line prefixed with the load generator's wall clock (epoch ms) when it arrived: a server's own log
 * (`--trace-gc` through BENCH_NODE_FLAGS, say) then lines up with the latencies the run recorded.
 */
function outputLog(name: string): ((chunk: Buffer) => void) | undefined {
  const directory = process.env.BENCH_SERVER_LOG;
  if (!directory) return undefined;
  mkdirSync(directory, { recursive: true });
  const file = join(directory, `${name.replace(/[^\w.-]+/g, '_')}.log`);
  let partial = '';
  return (chunk) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    if (lines.length === 0) return;
    const now = Date.now();
    appendFileSync(file, lines.map((line) => `${now} ${line}\n`).join(''));
  };
}

/** A server process under test: its CPU time and memory read from /proc. */
export class ServerProcess {
  private output = '';
  private exited = false;
  /** The inspector's address, for a process started with `--inspect=127.0.0.1:0`. */
  private inspectorUrl: string | undefined;

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    const record = outputLog(name);
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-8000);
      this.inspectorUrl ??= /Debugger listening on (ws:\/\/\S+)/.exec(this.output)?.[1];
      record?.(chunk);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('exit', () => (this.exited = true));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** The last output, for an error message when it died. */
  get recentOutput(): string {
    return this.output;
  }

  /** User + system CPU seconds so far. */
  cpuSeconds(): number {
    return cpuSecondsOfStat(readFileSync(`/proc/${this.pid}/stat`, 'utf8'));
  }

  /** Resident memory now, and its peak, in KiB. */
  memoryKb(): { rss: number; peak: number } {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const field = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
    return { rss: field('VmRSS'), peak: field('VmHWM') };
  }

  /**
   * A full garbage collection in the process, through its inspector (`HeapProfiler.collectGarbage`):
   * the memory left is what it holds, not what V8 has yet to give back. Needs `--inspect=127.0.0.1:0`.
   */
  async collectGarbage(): Promise<void> {
    const url = this.inspectorUrl;
    if (!url) throw new Error(`${this.name} was not started with an inspector`);
    const inspector = new WebSocket(url);
    try {
      await new Promise<void>((resolve, reject) => {
        inspector.once('open', () =>
          inspector.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' })),
        );
        inspector.on('message', (data: Buffer) => {
          const reply = JSON.parse(data.toString()) as { id?: number; error?: { message: string } };
          if (reply.id !== 1) return;
          if (reply.error) reject(new Error(`${this.name}: ${reply.error.message}`));
          else resolve();
        });
        inspector.once('error', reject);
      });
    } finally {
      inspector.close();
    }
  }

  /** Resolves when `probe` succeeds; rejects with the server's output if it exits or times out. */
  async waitUntil(probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exited) throw new Error(`${this.name} exited while starting:\n${this.output}`);
      if (await probe().catch(() => false)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${this.name} did not become ready in ${timeoutMs} ms:\n${this.output}`);
  }

  /**
   * SIGTERM, then SIGKILL if it has not exited within `graceMs` (Switchboard drains for up to its
   * SHUTDOWN_GRACE_MS, 10 s, and writes its CPU profile only when it exits by itself).
   */
  async stop(graceMs = 20_000): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}

/** Starts `node <script>` on the server core, as `taskset -c 0 node …` when taskset exists. */
export function startServer(
  name: string,
  script: string,
  args: string[],
  env: Record<string, string>,
  nodeOptions: string[] = [],
): ServerProcess {
  const command = [process.execPath, ...nodeOptions, script, ...args];
  const child = hasTaskset()
    ? spawn('taskset', ['-c', String(SERVER_CORE), ...command], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    : spawn(command[0], command.slice(1), {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
  return new ServerProcess(name, child);
}

/** A group of server processes measured together (a peer's two instances, say). */
export class ServerGroup {
  constructor(readonly processes: ServerProcess[]) {}

  cpuSeconds(): number {
    return this.processes.reduce((sum, server) => sum + server.cpuSeconds(), 0);
  }

  rssKb(): number {
    return this.processes.reduce((sum, server) => sum + server.memoryKb().rss, 0);
  }

  peakRssKb(): number {
    return this.processes.reduce((sum, server) => sum + server.memoryKb().peak, 0);
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes.map((server) => server.stop()));
  }
}

/**
 * CPU seconds used so far by every process whose command name is in `names` (PostgreSQL's backends,
 * redis-server): what the backing services cost, which tells what bounds a persisted rate. A process
 * that exited is counted in its parent's reaped children (cutime, cstime): PostgreSQL's postmaster
 * reaps its backends, so a pooled connection closed during a window does not take its CPU with it
 * (which made this figure negative).
 */
export function cpuSecondsOfCommands(names: readonly string[]): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    if (!names.includes(command)) continue;
    total += cpuSecondsOfStat(stat) + reapedChildrenCpuSecondsOfStat(stat);
  }
  return total;
}
