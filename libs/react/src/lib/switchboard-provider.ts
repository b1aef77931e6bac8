import {
  SwitchboardClient,
  SwitchboardClientOptions,
  SwitchboardNotifications,
} from '@switchboard/client';
import {
  createContext,
  createElement,
  ReactNode,
  useContext,
  useEffect,
  useRef,
  useState,
} from 'react';
import { HttpAccess } from './http-access';
import { NotificationFeed } from './notification-feed';
import { RoomRegistry } from './room-registry';
import { userIdOfToken } from './token-user';

/** What the provider needs besides the client's own options. */
export interface SwitchboardHttpOptions {
  /** The history service's HTTP base URL (`https://history.example.com`): `loadOlder` pages from it. */
  historyUrl?: string;
  /** The notifications service's HTTP base URL: `useNotifications` streams from it. */
  notificationsUrl?: string;
  /**
   * This user's id, which tells their own messages from others' in unread counts. Read from the
   * token's `sub` claim (a JWT) when absent.
   */
  userId?: string;
}

export type SwitchboardOptions = SwitchboardClientOptions & SwitchboardHttpOptions;

export type SwitchboardProviderProps = { children?: ReactNode } & (
  | {
      /**
       * The provider makes the client from these once, connects it on mount and closes it on
       * unmount. Later changes of the options are not applied (give the provider a new `key` to
       * start over, for example when the user changes); `token` is always the latest one passed.
       */
      options: SwitchboardOptions;
    }
  | ({
      /** A client the app made and owns: the provider connects it but never closes it. */
      client: SwitchboardClient;
      /** The token for the HTTP calls (`loadOlder`, notifications). */
      token: () => string | Promise<string>;
      /** A notification stream the app made and owns, instead of one made from `notificationsUrl`. */
      notifications?: SwitchboardNotifications;
    } & SwitchboardHttpOptions)
);

/** What the hooks share: one client, the rooms joined for the tree, the notification feed. */
export interface SwitchboardContextValue {
  client: SwitchboardClient;
  rooms: RoomRegistry;
  /** Null without `notificationsUrl` (or a `notifications` stream). */
  notifications: NotificationFeed | null;
  /**
   * The last refusal of the connection (a `SwitchboardError`: `unauthorized` or `forbidden` with its
   * close code, `websocket_unavailable`) or why `connect()` was rejected; cleared when it opens.
   */
  connectError: Error | undefined;
}

/** Undefined outside a provider; null inside one until its client is made. */
const SwitchboardContext = createContext<SwitchboardContextValue | null | undefined>(undefined);

/**
 * One Switchboard client for the component tree. Its value is null until the first effect has run
 * (the client is made there, so StrictMode's mount-unmount-mount leaves no closed client behind).
 */
export function SwitchboardProvider(props: SwitchboardProviderProps): ReactNode {
  const [value, setValue] = useState<SwitchboardContextValue | null>(null);
  const latest = useRef(props);
  latest.current = props;
  const ownedClient = 'client' in props ? props.client : undefined;
  const ownedNotifications = 'client' in props ? props.notifications : undefined;

  useEffect(() => {
    const current = latest.current;
    const settings: SwitchboardHttpOptions = 'client' in current ? current : current.options;
    let userId = settings.userId;
    // Always the token function of the latest render, which learns the user id on first use.
    const token = async () => {
      const now = latest.current;
      const issued = await ('client' in now ? now.token() : now.options.token());
      userId ??= userIdOfToken(issued);
      return issued;
    };
    const client =
      'client' in current ? current.client : new SwitchboardClient({ ...current.options, token });
    const stream =
      ('client' in current ? current.notifications : undefined) ??
      (settings.notificationsUrl !== undefined
        ? new SwitchboardNotifications({ url: settings.notificationsUrl, token })
        : undefined);
    const rooms = new RoomRegistry(
      client,
      new HttpAccess(settings.historyUrl, token, 'history'),
      () => userId,
    );
    const context: SwitchboardContextValue = {
      client,
      rooms,
      notifications: stream ? new NotificationFeed(stream) : null,
      connectError: undefined,
    };
    setValue(context);
    let active = true;
    const stopState = client.on('state', (state) => {
      if (state === 'open' && active)
        setValue((shown) => (shown?.connectError ? { ...shown, connectError: undefined } : shown));
    });
    const refused = (error: unknown) => {
      if (active)
        setValue((shown) =>
          shown?.client === client
            ? { ...shown, connectError: error instanceof Error ? error : new Error(String(error)) }
            : shown,
        );
    };
    // A refusal shows at once (the client retries once with a new token), a final one stays.
    const stopError = client.on('error', refused);
    client.connect().catch(refused);
    return () => {
      active = false;
      stopState();
      stopError();
      rooms.dispose();
      if (!('client' in current)) client.close();
      if (stream && stream !== ownedNotifications) stream.close();
    };
    // The client is made once per mount, or again when the app hands in another one.
  }, [ownedClient, ownedNotifications]);

  return createElement(SwitchboardContext.Provider, { value }, props.children);
}

/** The provider's value; null until the provider's first effect ran. Throws outside a provider. */
export function useSwitchboardContext(): SwitchboardContextValue | null {
  const value = useContext(SwitchboardContext);
  if (value === undefined) throw new Error('use Switchboard hooks inside <SwitchboardProvider>');
  return value;
}

/** The provider's client (null during the first render), for what the hooks do not cover. */
export function useSwitchboardClient(): SwitchboardClient | null {
  return useSwitchboardContext()?.client ?? null;
}
