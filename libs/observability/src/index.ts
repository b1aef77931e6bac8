export { describeHealth } from './lib/health';
export { httpServerLimits, limitedHttpAdapter } from './lib/http-server-limits';
export { BroadcastWindow, LIVE_STATS_INTERVAL_MS, LiveStatsPublisher } from './lib/live-stats';
export type { LiveStatsSource, WindowFigures } from './lib/live-stats';
export { MetricsPortServer } from './lib/metrics-port.server';
export { MetricsRegistry } from './lib/metrics-registry';
export { ObservabilityModule, redactUrl, requestLogOptions } from './lib/observability.module';
export type { ObservabilityOptions } from './lib/observability.module';
export { RepeatedFailureLog } from './lib/repeated-failure-log';
