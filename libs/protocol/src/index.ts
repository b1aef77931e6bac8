export type * from './lib/bus-events';
export * from './lib/client-frames';
export * from './lib/errors';
export * from './lib/limits';
export type * from './lib/models';
export type * from './lib/server-frames';
export * from './lib/http-bodies';
export * from './lib/http-schemas';
export * from './lib/users';
