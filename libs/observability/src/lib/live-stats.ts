import { BeforeApplicationShutdown, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { MessageBus } from '@switchboard/bus';
import { InstanceStats } from '@switchboard/protocol';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { RepeatedFailureLog } from './repeated-failure-log';

/** 8 buckets per doubling: a percentile is reported within about 4.5% of the true value. */
const BUCKETS_PER_DOUBLING = 8;
/** Up to 2^32 ns (4.3 s); a longer broadcast counts in the last bucket. */
const LAST_BUCKET = 32 * BUCKETS_PER_DOUBLING;

function bucketOf(elapsedNs: number): number {
  if (!(elapsedNs > 1)) return 0;
  return Math.min(LAST_BUCKET, Math.floor(Math.log2(elapsedNs) * BUCKETS_PER_DOUBLING));
}

/** The geometric middle of a bucket, in milliseconds. */
function bucketMiddleMs(bucket: number): number {
  return 2 ** ((bucket + 0.5) / BUCKETS_PER_DOUBLING) / 1e6;
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

export type WindowFigures = Pick<
  InstanceStats,
  'windowMs' | 'messagesPerSecond' | 'deliveriesPerSecond' | 'broadcastLatencyMs'
>;

/**
 * What an instance fanned out since its last snapshot: counts and a log-scale latency histogram in a
 * preallocated array, so recording a broadcast on the hot path only increments counters.
 */
export class BroadcastWindow {
  private messages = 0;
  private deliveries = 0;
  private broadcasts = 0;
  private readonly latency = new Uint32Array(LAST_BUCKET + 1);
  private startedAt: number;

  /** `now` is a monotonic clock in milliseconds; tests pass their own. */
  constructor(private readonly now: () => number = () => performance.now()) {
    this.startedAt = now();
  }

  /** One broadcast: `messages` it carried, `deliveries` it wrote, and how long writing them took. */
  record(messages: number, deliveries: number, elapsedNs: number): void {
    this.messages += messages;
    this.deliveries += deliveries;
    this.broadcasts++;
    this.latency[bucketOf(elapsedNs)]++;
  }

  /** The window's rates and latency percentiles; the next window starts now. */
  take(): WindowFigures {
    const endedAt = this.now();
    const windowMs = Math.max(endedAt - this.startedAt, 1);
    const figures: WindowFigures = {
      windowMs: Math.round(windowMs),
      messagesPerSecond: round((this.messages * 1000) / windowMs, 1),
      deliveriesPerSecond: round((this.deliveries * 1000) / windowMs, 1),
      broadcastLatencyMs:
        this.broadcasts === 0
          ? null
          : {
              p50: this.percentileMs(0.5),
              p95: this.percentileMs(0.95),
              p99: this.percentileMs(0.99),
            },
    };
    this.messages = 0;
    this.deliveries = 0;
    this.broadcasts = 0;
    this.latency.fill(0);
    this.startedAt = endedAt;
    return figures;
  }

  private percentileMs(quantile: number): number {
    const rank = Math.ceil(quantile * this.broadcasts);
    let seen = 0;
    let bucket = 0;
    for (; bucket < LAST_BUCKET; bucket++) {
      seen += this.latency[bucket];
      if (seen >= rank) break;
    }
    return round(bucketMiddleMs(bucket), 4);
  }
}

/** Where a snapshot's figures come from: the service's window and its open connections now. */
export interface LiveStatsSource {
  service: InstanceStats['service'];
  window: BroadcastWindow;
  gauges(): Promise<Pick<InstanceStats, 'connections' | 'sseStreams'>>;
}

/** How often each instance publishes its snapshot, and so the length of a window. */
export const LIVE_STATS_INTERVAL_MS = 1000;

/**
 * Publishes an instance's snapshot on the bus's `stats` channel every second while the application
 * runs. Each service extends it with its own source, as an injectable provider.
 */
export abstract class LiveStatsPublisher
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  /** Readable on a dashboard (host and process), unique across the apps of one process. */
  readonly instanceId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private timer: NodeJS.Timeout | undefined;
  // A bus outage fails every snapshot: logged once per interval.
  private readonly failures = new RepeatedFailureLog(new Logger(LiveStatsPublisher.name));

  constructor(
    private readonly bus: MessageBus,
    private readonly source: LiveStatsSource,
  ) {}

  onApplicationBootstrap(): void {
    this.source.window.take();
    this.timer = setInterval(() => void this.publish(), LIVE_STATS_INTERVAL_MS);
    this.timer.unref();
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async publish(): Promise<void> {
    try {
      await this.bus.publish('stats', '', {
        instanceId: this.instanceId,
        service: this.source.service,
        ts: Date.now(),
        ...(await this.source.gauges()),
        ...this.source.window.take(),
      });
    } catch (error) {
      this.failures.record('live stats snapshot failed', error);
    }
  }
}
