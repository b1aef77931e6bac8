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
  JoinOptions,
  JoinResult,
  SwitchboardClientOptions,
  Transport,
  WebSocketLike,
} from './lib/switchboard-client';
// The protocol's shapes the SDK's methods and events carry, so that an application names them
// without reaching into the server's libraries (the package inlines them in its .d.ts).
export type {
  AckFrame,
  ChangeAckFrame,
  ChatMessage,
  ErrorCode,
  HandshakeRefusal,
  HistoryMessage,
  HttpErrorBody,
  InboxRoom,
  MessageChangeFrame,
  MessageDeletedFrame,
  MessageEditedFrame,
  Notification,
  NotificationReadState,
  StatusFrame,
  UserPresence,
  UserRef,
} from '@switchboard/protocol';
