import { Global, Injectable, Module } from '@nestjs/common';
import { MessageBus } from '@switchboard/bus';
import { BroadcastWindow, LiveStatsPublisher, MetricsRegistry } from '@switchboard/observability';
import { Counter, Gauge } from 'prom-client';

/** The notification service's streams and publishes. */
@Injectable()
export class NotificationMetrics {
  readonly sseStreams: Gauge;
  readonly notificationsStored: Counter;
  readonly slowConsumersDropped: Counter;
  /** The deliveries since the last live stats snapshot (the admin dashboard's figures). */
  readonly liveWindow = new BroadcastWindow();

  constructor({ registry }: MetricsRegistry) {
    this.sseStreams = new Gauge({
      name: 'switchboard_sse_streams',
      help: 'Open notification streams on this instance',
      registers: [registry],
    });
    this.notificationsStored = new Counter({
      name: 'switchboard_notifications_stored_total',
      help: 'Notifications committed by this instance',
      registers: [registry],
    });
    this.slowConsumersDropped = new Counter({
      name: 'switchboard_slow_consumers_dropped_total',
      help: 'SSE streams closed because more than 1 MB waited to be sent',
      registers: [registry],
    });
  }
}

/** Publishes this instance's live stats (streams and deliveries) every second while it runs. */
@Injectable()
export class NotificationLiveStats extends LiveStatsPublisher {
  constructor(bus: MessageBus, metrics: NotificationMetrics) {
    super(bus, {
      service: 'notifications',
      window: metrics.liveWindow,
      gauges: async () => ({
        connections: 0,
        sseStreams: (await metrics.sseStreams.get()).values[0]?.value ?? 0,
      }),
    });
  }
}

@Global()
@Module({
  providers: [NotificationMetrics, NotificationLiveStats],
  exports: [NotificationMetrics],
})
export class NotificationMetricsModule {}
