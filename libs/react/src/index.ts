export { SwitchboardHttpError } from './lib/http-access';
export type { NotificationsSnapshot } from './lib/notification-feed';
export type { PendingMessage, RoomSnapshot, RoomStatus } from './lib/room-store';
export { SwitchboardProvider, useSwitchboardClient } from './lib/switchboard-provider';
export type {
  SwitchboardContextValue,
  SwitchboardHttpOptions,
  SwitchboardOptions,
  SwitchboardProviderProps,
} from './lib/switchboard-provider';
export { useConnectionState } from './lib/use-connection-state';
export type { ConnectionStatus } from './lib/use-connection-state';
export { useDirectRoom } from './lib/use-direct-room';
export type { UseDirectRoomResult } from './lib/use-direct-room';
export { useNotifications } from './lib/use-notifications';
export type { UseNotificationsResult } from './lib/use-notifications';
export { useRoom } from './lib/use-room';
export type { UseRoomResult } from './lib/use-room';
