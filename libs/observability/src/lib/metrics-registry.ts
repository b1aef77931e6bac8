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
    collectDefaultMetrics({ register: this.registry });
  }
}
