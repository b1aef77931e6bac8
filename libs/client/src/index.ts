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
  MAX_FRAMES_IN_FLIGHT,
  SEND_REFUSALS,
  SwitchboardClient,
  SwitchboardError,
  TYPING_REPEAT_MS,
} from './lib/switchboard-client';
export type {
  ClientEvents,
  ConnectionState,
  DirectJoinResult,
  JoinResult,
  SwitchboardClientOptions,
  WebSocketLike,
} from './lib/switchboard-client';
