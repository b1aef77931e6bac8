import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { BenchEnvironment } from './harness/environment';
import { pinSelf } from './harness/processes';
import { log } from './harness/progress';
import { CaseResult, renderText, writeResults } from './harness/report';
import { chat } from './scenarios/chat';
import { fanout, fanoutMax } from './scenarios/fanout';
import { history } from './scenarios/history';
import { idle } from './scenarios/idle';
import { largeRoom } from './scenarios/large-room';
import { publishRate } from './scenarios/publish-rate';
import { recovery } from './scenarios/recovery';
import { Scenario } from './scenarios/scenario';
import { soak } from './scenarios/soak';
import { sse } from './scenarios/sse';

const SCENARIOS: Record<string, Scenario> = {
  fanout,
  'fanout-max': fanoutMax,
  chat,
  'publish-rate': publishRate,
  idle,
  'large-room': largeRoom,
  sse,
  history,
  soak,
  recovery,
};

const USAGE = `usage: npm run bench -- <${[...Object.keys(SCENARIOS), 'all'].join('|')}> [--quick] [--only=<target>,…]`;
/** The repository: the nearest folder above the compiled bench with a package.json (builds live in .build/<id>/). */
function repositoryRoot(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir))
    if (existsSync(join(dir, 'package.json'))) return dir;
  throw new Error(`no package.json above ${from}`);
}

const ROOT = repositoryRoot(__dirname);

function versionOf(pkg: string): string {
  const manifest = JSON.parse(
    readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8'),
  ) as {
    version: string;
  };
  return manifest.version;
}

function machine(pinned: boolean): Record<string, unknown> {
  const redis = (() => {
    try {
      return execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim().split(' ')[2];
    } catch {
      return 'unknown';
    }
  })();
  return {
    cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    ws: versionOf('ws'),
    'socket.io': versionOf('socket.io'),
    '@socket.io/redis-adapter': versionOf('@socket.io/redis-adapter'),
    ioredis: versionOf('ioredis'),
    pg: versionOf('pg'),
    autocannon: versionOf('autocannon'),
    redis,
    pinning: pinned
      ? 'servers on core 0, load generator on core 1 (taskset)'
      : 'none (taskset missing)',
  };
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const only = args
    .find((arg) => arg.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  const names = args.filter((arg) => !arg.startsWith('--'));
  if (names.length !== 1 || (names[0] !== 'all' && !SCENARIOS[names[0]])) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const selected = names[0] === 'all' ? Object.keys(SCENARIOS) : names;
  const pinned = pinSelf();
  const startedAt = new Date().toISOString();
  const results: CaseResult[] = [];
  const wallSeconds: Record<string, number> = {};
  const services = await BenchEnvironment.startServices();
  try {
    for (const name of selected) {
      log(`\n== ${name}${quick ? ' (quick)' : ''}`);
      const scenarioStarted = performance.now();
      const env = await BenchEnvironment.create(services);
      try {
        await SCENARIOS[name]({
          env,
          quick,
          selects: (target) => !only || only.includes(target),
          names: (target) => only?.includes(target) ?? false,
          report: (result) => {
            results.push(result);
            log(renderText(result));
          },
        });
      } finally {
        await env.dispose();
      }
      wallSeconds[name] = (performance.now() - scenarioStarted) / 1000;
      log(`${name}: ${wallSeconds[name].toFixed(0)} s`);
    }
  } finally {
    await services.stop();
  }
  const files = writeResults(join(ROOT, 'bench', 'results'), {
    startedAt,
    quick,
    machine: machine(pinned),
    wallSeconds,
    results,
  });
  log(`\nresults: ${files.json}\n         ${files.markdown}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
