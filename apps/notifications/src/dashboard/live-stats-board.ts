import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { MessageBus, Unsubscribe } from '@switchboard/bus';
import { SwitchboardConfig } from '@switchboard/config';
import { LIVE_STATS_INTERVAL_MS } from '@switchboard/observability';
import { InstanceStats } from '@switchboard/protocol';
import type { ServerResponse } from 'node:http';
import { formatSseRetry } from '../streams/sse-framing';

/** An instance silent for this long has stopped (or lost the bus): it leaves the board. */
const STALE_AFTER_MS = 3 * LIVE_STATS_INTERVAL_MS;
/** A viewer this far behind is dropped, as a slow notification stream is. */
const SLOW_VIEWER_BYTES = 1024 * 1024;

/**
 * Every instance's latest live stats, from the bus's `stats` channel, and the admin streams that
 * receive them: all of them, as one `event: stats`, every second and at once when a stream opens.
 */
@Injectable()
export class LiveStatsBoard implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly latest = new Map<string, { stats: InstanceStats; receivedAt: number }>();
  private readonly viewers = new Set<ServerResponse>();
  private unsubscribe: Unsubscribe | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly bus: MessageBus,
    private readonly config: SwitchboardConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.unsubscribe = await this.bus.subscribe('stats', '', (stats) =>
      this.latest.set(stats.instanceId, { stats, receivedAt: performance.now() }),
    );
    this.timer = setInterval(() => this.broadcast(), LIVE_STATS_INTERVAL_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.unsubscribe?.();
    for (const viewer of this.viewers) viewer.end();
  }

  /** Starts an admin stream: headers, `retry:`, the board as it is now, then every second. */
  open(response: ServerResponse): void {
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    response.write(formatSseRetry(this.config.sse.retryMs) + this.frame());
    this.viewers.add(response);
    response.on('close', () => this.viewers.delete(response));
  }

  private broadcast(): void {
    if (this.viewers.size === 0) return;
    const frame = this.frame();
    for (const viewer of this.viewers) {
      if (viewer.writableLength > SLOW_VIEWER_BYTES) {
        this.viewers.delete(viewer);
        viewer.destroy();
      } else viewer.write(frame);
    }
  }

  /** `event: stats` with `{ instances }`: gateways first, then by instance id. */
  private frame(): string {
    const now = performance.now();
    for (const [instanceId, { receivedAt }] of this.latest)
      if (now - receivedAt > STALE_AFTER_MS) this.latest.delete(instanceId);
    const instances = [...this.latest.values()]
      .map(({ stats }) => stats)
      .sort(
        (a, b) => a.service.localeCompare(b.service) || a.instanceId.localeCompare(b.instanceId),
      );
    return `event: stats\ndata: ${JSON.stringify({ instances })}\n\n`;
  }
}
