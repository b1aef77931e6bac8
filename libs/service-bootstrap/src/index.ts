export { applyMigrations } from './lib/apply-migrations';
export { runService } from './lib/run-service';
export { ServiceFoundationModule } from './lib/service-foundation.module';
export type { FoundationOptions } from './lib/service-foundation.module';
export { createServiceApp } from './lib/start-service';
export type { ServiceAppOptions } from './lib/start-service';
