export * from './lib/config.module';
export * from './lib/switchboard-config';
