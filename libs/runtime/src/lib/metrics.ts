import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics of one application. Each application has its own registry, so the three
 * services of single-process mode do not collide; a service only moves the metrics it owns.
 */
@Injectable()
export class SwitchboardMetrics {
  readonly registry = new Registry();
  readonly connections = new Gauge({
    name: 'switchboard_connections',
    help: 'Open WebSocket connections on this instance',
    registers: [this.registry],
  });
  readonly framesRejected = new Counter({
    name: 'switchboard_frames_rejected_total',
    help: 'Client frames refused, by error code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly messagesStored = new Counter({
    name: 'switchboard_messages_stored_total',
    help: 'Chat messages committed by this instance',
    registers: [this.registry],
  });
  readonly deliveries = new Counter({
    name: 'switchboard_deliveries_total',
    help: 'Frames written to clients by fan-out on this instance',
    registers: [this.registry],
  });
  readonly broadcastDuration = new Histogram({
    name: 'switchboard_broadcast_duration_seconds',
    help: 'Time to write one broadcast to every local member of a room',
    buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1],
    registers: [this.registry],
  });
  readonly slowConsumersDropped = new Counter({
    name: 'switchboard_slow_consumers_dropped_total',
    help: 'WebSocket connections and SSE streams closed because more than 1 MB waited to be sent',
    registers: [this.registry],
  });
  readonly sseStreams = new Gauge({
    name: 'switchboard_sse_streams',
    help: 'Open notification streams on this instance',
    registers: [this.registry],
  });
  readonly notificationsStored = new Counter({
    name: 'switchboard_notifications_stored_total',
    help: 'Notifications committed by this instance',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
