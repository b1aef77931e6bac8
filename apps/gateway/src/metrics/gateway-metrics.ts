import { Global, Injectable, Module } from '@nestjs/common';
import { MessageBus } from '@switchboard/bus';
import { BroadcastWindow, LiveStatsPublisher, MetricsRegistry } from '@switchboard/observability';
import { Counter, Gauge, Histogram } from 'prom-client';

/** The gateway's connections and fan-out. */
@Injectable()
export class GatewayMetrics {
  readonly connections: Gauge;
  readonly deliveries: Counter;
  readonly broadcastDuration: Histogram;
  readonly slowConsumersDropped: Counter;
  /** Broadcasts the bus delivered late or never, read from PostgreSQL by a room's sequencer. */
  readonly broadcastsReadFromStore: Counter<'reason'>;
  /** The fan-out since the last live stats snapshot (the admin dashboard's figures). */
  readonly liveWindow = new BroadcastWindow();

  constructor({ registry }: MetricsRegistry) {
    this.connections = new Gauge({
      name: 'switchboard_connections',
      help: 'Open WebSocket connections on this instance',
      registers: [registry],
    });
    this.deliveries = new Counter({
      name: 'switchboard_deliveries_total',
      help: 'Frames written to clients by fan-out on this instance',
      registers: [registry],
    });
    this.broadcastDuration = new Histogram({
      name: 'switchboard_broadcast_duration_seconds',
      help: 'Time to write one broadcast to every local member of a room',
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1],
      registers: [registry],
    });
    this.slowConsumersDropped = new Counter({
      name: 'switchboard_slow_consumers_dropped_total',
      help: 'WebSocket connections closed because more than 1 MB waited to be sent',
      registers: [registry],
    });
    this.broadcastsReadFromStore = new Counter({
      name: 'switchboard_broadcasts_read_from_store_total',
      help: 'Messages, edits and deletes read from PostgreSQL for local members because their broadcast came late or never: after a later one (reason gap), or found by the room position check (reason position)',
      labelNames: ['reason'],
      registers: [registry],
    });
  }
}

/** Publishes this gateway's live stats (connections and fan-out) every second while it runs. */
@Injectable()
export class GatewayLiveStats extends LiveStatsPublisher {
  constructor(bus: MessageBus, metrics: GatewayMetrics) {
    super(bus, {
      service: 'gateway',
      window: metrics.liveWindow,
      gauges: async () => ({
        connections: (await metrics.connections.get()).values[0]?.value ?? 0,
        sseStreams: 0,
      }),
    });
  }
}

@Global()
@Module({ providers: [GatewayMetrics, GatewayLiveStats], exports: [GatewayMetrics] })
export class GatewayMetricsModule {}
