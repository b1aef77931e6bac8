import { TEST_JWT_SECRET } from '@switchboard/testing';
import Redis from 'ioredis';
import { PrivateInfra, startPrivateInfra } from '../../support/private-infra';
import { ServiceProcess, startService } from '../../support/service-process';
import { ChatFleet, FleetShape } from './chat-fleet';
import { auditFault, FaultFigures, figuresTable, lastSeqs, storedMessages } from './fault-audit';

/** Why a gateway read a broadcast from PostgreSQL (the `reason` label of its counter). */
type MissingReadReason = 'gap' | 'position';

/**
 * Fault injection (issue 7): SDK clients on two gateway processes, sharing a PostgreSQL and a Redis
 * private to this file, keep sending while a gateway is killed (-9 or SIGTERM) or Redis or
 * PostgreSQL restarts. After each fault, once everything has recovered: every send was acknowledged
 * and stored exactly once as sent, nothing else is stored, seqs are gap-free per room, and every
 * client delivered every message of its rooms to its application exactly once, in seq order.
 * Requires `npm run build` (the gateways run from dist/).
 */

// 48 clients in 12 rooms (8 members each, half on each gateway), ~70 messages/s in all.
const SHAPE: FleetShape = { clients: 48, rooms: 12, sendIntervalMs: 700 };
const CONNECT_DEADLINE_MS = 20_000;
const WARM_UP_DEADLINE_MS = 20_000;
const RECOVERY_DEADLINE_MS = 20_000;
const STEADY_DEADLINE_MS = 15_000;
const SETTLE_DEADLINE_MS = 20_000;
const EXIT_DEADLINE_MS = 10_000;
const PRINTED_PROBLEMS = 25;
const PRINTED_LOG_LINES = 40;
const REDIS_KEY_PREFIX = 'fault:';

const CLOSE_GOING_AWAY = 1001;

const pause = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** `work`'s result, or undefined if it has not settled within `ms`. */
async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((done) => {
    timer = setTimeout(() => done(undefined), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `condition` every 100 ms until it holds (true) or the deadline passes (false). */
async function until(
  condition: () => boolean | Promise<boolean>,
  deadlineMs: number,
): Promise<boolean> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() > deadline) return false;
    await pause(100);
  }
}

function print(text: string): void {
  process.stdout.write(text);
}

describe('fault injection: SDK clients on two gateways, a private PostgreSQL and Redis', () => {
  let infra: PrivateInfra | undefined;
  let gatewayEnv: Record<string, string>;
  const gateways: ServiceProcess[] = [];
  /** Every gateway process started, killed ones too, for their logs. */
  const gatewayProcesses: ServiceProcess[] = [];
  const figures: FaultFigures[] = [];

  async function startGateway(port?: number): Promise<ServiceProcess> {
    const gateway = await startService('gateway', gatewayEnv, port ? { port } : {});
    gatewayProcesses.push(gateway);
    return gateway;
  }

  /**
   * Stops gateway `index` with `signal` and starts it again on the same port. Returns the problem
   * seen if it did not exit within the deadline (it is then killed).
   */
  async function restartGateway(index: number, signal: NodeJS.Signals): Promise<string[]> {
    const gateway = gateways[index];
    const problems: string[] = [];
    const exit = await withDeadline(
      gateway.kill(signal).then((code) => ({ code })),
      EXIT_DEADLINE_MS,
    );
    if (!exit) {
      const lastLines = gateway.logs().split('\n').filter(Boolean).slice(-10).join('\n');
      problems.push(
        `the gateway (pid ${gateway.pid}) had not exited ${EXIT_DEADLINE_MS} ms after ${signal}` +
          (lastLines ? `; its last lines:\n${lastLines}` : ' (it printed nothing)'),
      );
      await gateway.kill('SIGKILL');
    }
    gateways[index] = await startGateway(gateway.port);
    return problems;
  }

  /**
   * The fleet's rooms that Redis does not have subscribed once per gateway (each room has members on
   * both), for a failure's report: it tells a lost subscription from a broadcast lost otherwise.
   */
  async function roomsNotHeardTwice(fleet: ChatFleet): Promise<string[]> {
    const redis = new Redis(infra!.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      const counts = (await redis.pubsub(
        'NUMSUB',
        ...fleet.rooms.map((room) => `${REDIS_KEY_PREFIX}room:${room}`),
      )) as (string | number)[];
      const unheard: string[] = [];
      for (let i = 0; i < counts.length; i += 2)
        if (Number(counts[i + 1]) !== 2) unheard.push(`${counts[i]} (${counts[i + 1]})`);
      return unheard;
    } catch (error) {
      return [`could not ask Redis: ${(error as Error).message}`];
    } finally {
      redis.disconnect();
    }
  }

  /**
   * Each running gateway's switchboard_broadcasts_read_from_store_total by reason, by pid (NaN if
   * its /metrics cannot be read).
   */
  async function readFromStoreByPid(): Promise<Map<number, Record<MissingReadReason, number>>> {
    const counts = new Map<number, Record<MissingReadReason, number>>();
    for (const gateway of gateways) {
      const metrics = await fetch(`${gateway.httpUrl}/metrics`).then(
        (response) => response.text(),
        () => undefined,
      );
      const read = { gap: 0, position: 0 };
      for (const [, reason, count] of (metrics ?? '').matchAll(
        /^switchboard_broadcasts_read_from_store_total\{reason="(gap|position)"\} (\d+)/gm,
      ))
        read[reason as MissingReadReason] = Number(count);
      counts.set(gateway.pid, metrics === undefined ? { gap: NaN, position: NaN } : read);
    }
    return counts;
  }

  function logLines(): string[] {
    return gatewayProcesses.flatMap((gateway) =>
      gateway
        .logs()
        .split('\n')
        .filter(Boolean)
        .map((line) => `${gateway.port}/${gateway.pid}: ${line}`),
    );
  }

  beforeAll(async () => {
    infra = await startPrivateInfra();
    gatewayEnv = {
      DATABASE_URL: infra.postgres.url,
      REDIS_URL: infra.redis.url,
      REDIS_KEY_PREFIX,
      JWT_SECRET: TEST_JWT_SECRET,
      // Far above the fleet's rate, retries included: refusals here come from faults only.
      RATE_LIMIT_PER_SECOND: '200',
      RATE_LIMIT_BURST: '400',
      // Dead sockets found within seconds, a crashed gateway's presence released within ~3 s.
      HEARTBEAT_INTERVAL_MS: '2000',
      PRESENCE_HEARTBEAT_MS: '1000',
      SHUTDOWN_GRACE_MS: '1000',
      LOG_LEVEL: 'warn',
    };
    gateways.push(...(await Promise.all([startGateway(), startGateway()])));
  });

  afterAll(async () => {
    if (figures.length) print(`\nfault injection figures\n${figuresTable(figures)}\n`);
    await Promise.allSettled(gateways.map((gateway) => gateway.kill('SIGKILL')));
    await infra?.dispose();
  });

  /**
   * Runs a fresh fleet (its own clients and rooms) at a steady rate, injects the fault, waits for
   * recovery and for everything to settle, then audits against PostgreSQL and prints the figures.
   * `inject` returns the problems the fault itself showed (say, a gateway that would not exit).
   */
  async function runFault(
    fault: string,
    label: string,
    inject: (fleet: ChatFleet) => Promise<string[]>,
  ): Promise<void> {
    const databaseUrl = infra!.postgres.url;
    const fleet = new ChatFleet(
      label,
      gateways.map((gateway) => gateway.wsUrl),
      SHAPE,
    );
    const logsBefore = logLines().length;
    try {
      const connected = await withDeadline(
        fleet.connect().then(() => true),
        CONNECT_DEADLINE_MS,
      );
      if (!connected)
        throw new Error(`the fleet did not connect and join within ${CONNECT_DEADLINE_MS} ms`);
      fleet.startSending();
      if (!(await until(() => fleet.acked() >= SHAPE.clients * 2, WARM_UP_DEADLINE_MS)))
        throw new Error(
          `only ${fleet.acked()} sends acknowledged before the fault:\n${logLines().join('\n')}`,
        );

      const readBefore = await readFromStoreByPid();
      const faultAt = Date.now();
      const problems = await inject(fleet);
      const restoredAt = Date.now();
      const recovered = await until(
        () =>
          fleet.allOpen() &&
          fleet.sends.every((send) => send.issuedAt > restoredAt || send.outcome !== 'pending'),
        RECOVERY_DEADLINE_MS,
      );
      const recoveryMs = recovered ? Date.now() - faultAt : null;
      if (!recovered) {
        const away = fleet.clients.filter((client) => client.sdk.connectionState !== 'open');
        problems.push(
          `not recovered ${RECOVERY_DEADLINE_MS} ms after the fault: ${away.length} clients not open (${away
            .slice(0, 5)
            .map((client) => `${client.describe()} ${client.sdk.connectionState}`)
            .join(', ')}), ${fleet.pending().length} sends pending`,
        );
      }
      // Service as usual after the recovery: every client gets about one more ack.
      const ackedAtRecovery = fleet.acked();
      await until(() => fleet.acked() >= ackedAtRecovery + SHAPE.clients, STEADY_DEADLINE_MS);
      fleet.stopSending();

      const settled = await until(async () => {
        if (fleet.pending().length) return false;
        const last = await lastSeqs(databaseUrl, fleet.rooms).catch(() => null);
        return (
          last !== null &&
          fleet.clients.every((client) =>
            [...client.delivered].every(
              ([room, messages]) =>
                Math.max(0, ...messages.map((message) => message.seq)) >= (last.get(room) ?? 0),
            ),
          )
        );
      }, SETTLE_DEADLINE_MS);
      if (!settled)
        problems.push(
          `not settled ${SETTLE_DEADLINE_MS} ms after the sends stopped: ${fleet.pending().length} sends pending, or clients behind their rooms' last seq`,
        );

      const rows = await storedMessages(databaseUrl, fleet.rooms);
      const faultLogs = logLines().slice(logsBefore);
      let readAfterGap = 0;
      let readByPositionCheck = 0;
      for (const [pid, { gap, position }] of await readFromStoreByPid()) {
        readAfterGap += gap - (readBefore.get(pid)?.gap ?? 0);
        readByPositionCheck += position - (readBefore.get(pid)?.position ?? 0);
      }
      const audit = auditFault(fault, fleet, rows, {
        recoveryMs,
        gatewayLogLines: faultLogs.length,
        readAfterGap,
        readByPositionCheck,
      });
      problems.push(...audit.problems);
      figures.push(audit.figures);
      print(`\n${fault}\n${figuresTable([audit.figures])}`);
      // Broadcasts no later message revealed: worth knowing whether the bus had gone deaf for a room.
      if (problems.length || readByPositionCheck > 0) {
        const unheard = await roomsNotHeardTwice(fleet);
        print(
          `rooms Redis does not have subscribed by both gateways: ${unheard.join(', ') || 'none'}\n`,
        );
      }
      if (problems.length) {
        print(
          `${problems.length} problems:\n${problems
            .slice(0, PRINTED_PROBLEMS)
            .map((problem) => `  - ${problem}\n`)
            .join(
              '',
            )}${problems.length > PRINTED_PROBLEMS ? `  … and ${problems.length - PRINTED_PROBLEMS} more\n` : ''}`,
        );
        print(
          `gateway log lines during the fault (first ${PRINTED_LOG_LINES} of ${faultLogs.length}):\n${faultLogs
            .slice(0, PRINTED_LOG_LINES)
            .map((line) => `  ${line.slice(0, 300)}\n`)
            .join('')}`,
        );
      }
      expect(problems).toEqual([]);
    } finally {
      fleet.close();
    }
  }

  it('kill -9 of a gateway, restarted on its port: nothing lost, doubled or misordered', () =>
    runFault('kill -9 gateway', 'kill9', () => restartGateway(0, 'SIGKILL')));

  it('SIGTERM of a gateway, restarted on its port: its clients are told 1001, nothing lost, doubled or misordered', () =>
    runFault('SIGTERM gateway', 'sigterm', async (fleet) => {
      const onIt = fleet.clients.filter((client) => client.gateway === 1);
      const closedBefore = onIt.map((client) => client.wire.closeCodes.length);
      const problems = await restartGateway(1, 'SIGTERM');
      const notGoingAway = onIt
        .map((client, n) => ({ client, codes: client.wire.closeCodes.slice(closedBefore[n]) }))
        .filter(
          ({ codes }) => codes.length === 0 || codes.some((code) => code !== CLOSE_GOING_AWAY),
        );
      if (notGoingAway.length)
        problems.push(
          `${notGoingAway.length} of the ${onIt.length} clients of the stopped gateway were not closed with ${CLOSE_GOING_AWAY}: ${notGoingAway
            .slice(0, 5)
            .map(({ client, codes }) => `${client.describe()} [${codes.join(', ')}]`)
            .join('; ')}`,
        );
      return problems;
    }));

  it('Redis killed (-9) and back on its port after 1.5 s: refused sends retried, nothing lost or doubled', () =>
    runFault('redis restart', 'redis', async () => {
      await infra!.redis.restart(1500);
      return [];
    }));

  it('PostgreSQL stopped and back on its port after 2 s: refused sends retried, nothing lost or doubled', () =>
    runFault('postgres restart', 'postgres', async () => {
      await infra!.postgres.restart(2000);
      return [];
    }));
});
