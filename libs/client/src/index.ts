export { DEFAULT_BACKOFF, reconnectDelay } from './lib/backoff';
export type { BackoffPolicy } from './lib/backoff';
export { NotificationStreamError, SwitchboardNotifications } from './lib/notification-stream';
export type {
  NotificationPage,
  NotificationStreamEvents,
  NotificationStreamOptions,
  NotificationStreamState,
} from './lib/notification-stream';
export {
  AUTH_CLOSE_CODES,
  DEFAULT_HEARTBEAT_MS,
  LONG_POLL_WAIT_SECONDS,
  MAX_FRAMES_IN_FLIGHT,
  SEND_REFUSALS,
  SwitchboardClient,
  SwitchboardError,
  TYPING_REPEAT_MS,
} from './lib/switchboard-client';
export type {
  ClientErrorCode,
  ClientEvents,
  ConnectionState,
  DirectJoinResult,
  JoinResult,
  SwitchboardClientOptions,
  Transport,
  WebSocketLike,
} from './lib/switchboard-client';
