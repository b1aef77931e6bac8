export { SwitchboardMetrics } from './lib/metrics';
export { ObservabilityModule, redactUrl } from './lib/observability.module';
export type { ObservabilityOptions } from './lib/observability.module';
export { createSharedInProcessStores, RuntimeModule } from './lib/runtime.module';
export type { RuntimeOptions, SharedInProcessStores } from './lib/runtime.module';
export { createServiceApp } from './lib/start-service';
export type { ServiceAppOptions } from './lib/start-service';
export { runService } from './lib/run-service';
export { applyMigrations } from './lib/apply-migrations';
export {
  checkedParameter,
  optionalIdParameter,
  optionalIntegerParameter,
} from './lib/query-parameters';
export { openApiSchema, serveApiDocs } from './lib/api-docs';
export type { ApiDocsOptions } from './lib/api-docs';
export { apiError } from './lib/http-error.filter';
export type { ApiErrorDetails } from './lib/http-error.filter';
export { RepeatedFailureLog } from './lib/repeated-failure-log';
