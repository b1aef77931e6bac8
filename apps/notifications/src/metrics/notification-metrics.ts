import { Global, Injectable, Module } from '@nestjs/common';
import { MetricsRegistry } from '@switchboard/observability';
import { Counter, Gauge } from 'prom-client';

/** The notification service's streams and publishes. */
@Injectable()
export class NotificationMetrics {
  readonly sseStreams: Gauge;
  readonly notificationsStored: Counter;
  readonly slowConsumersDropped: Counter;

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

@Global()
@Module({ providers: [NotificationMetrics], exports: [NotificationMetrics] })
export class NotificationMetricsModule {}
