export { DEFAULT_BACKOFF, reconnectDelay } from './lib/backoff';
export type { BackoffPolicy } from './lib/backoff';
export { SwitchboardClient, SwitchboardError } from './lib/switchboard-client';
export type {
  ClientEvents,
  ConnectionState,
  SwitchboardClientOptions,
  WebSocketLike,
} from './lib/switchboard-client';
