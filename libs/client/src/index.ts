export { DEFAULT_BACKOFF, reconnectDelay } from './lib/backoff';
export type { BackoffPolicy } from './lib/backoff';
export { SEND_REFUSALS, SwitchboardClient, SwitchboardError } from './lib/switchboard-client';
export type {
  ClientEvents,
  ConnectionState,
  SwitchboardClientOptions,
  WebSocketLike,
} from './lib/switchboard-client';
