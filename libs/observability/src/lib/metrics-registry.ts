import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The Prometheus registry of one application, with Node's runtime metrics. Each application has its
 * own, so the services of single-process mode do not collide; the metrics themselves belong to the
 * code that moves them (GatewayMetrics, NotificationMetrics, ChatMetrics) and register here.
 */
@Injectable()
export class MetricsRegistry {
  readonly registry = new Registry();

  constructor() {
    // prom-client samples event-loop delay every 10 ms by default: 100 wake-ups a second of every idle
    // process; 100 ms keeps the lag histogram meaningful at a tenth of the cost.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 100 });
  }
}
