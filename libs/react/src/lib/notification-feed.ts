import type {
  NotificationStreamError,
  NotificationStreamState,
  SwitchboardNotifications,
} from '@switchboard/client';
import type { Notification, NotificationReadState } from '@switchboard/protocol';

/** Everything `useNotifications` shows: replaced as a whole on every change. */
export interface NotificationsSnapshot {
  /** Newest first: the unread ones when the feed started, then every one that arrived since. */
  notifications: readonly Notification[];
  /** Notifications after `lastReadId`. */
  unread: number;
  /** Everything up to this id is read ('0': nothing is). */
  lastReadId: string;
  status: NotificationStreamState;
  /** The last refusal or failure of the stream, cleared when it opens. */
  error: NotificationStreamError | undefined;
}

/** How many unread notifications the feed loads when it starts (the service's page maximum). */
export const UNREAD_PAGE_SIZE = 100;

const EMPTY: NotificationsSnapshot = {
  notifications: [],
  unread: 0,
  lastReadId: '0',
  status: 'closed',
  error: undefined,
};

/**
 * The user's notifications for the component tree: started by the first `useNotifications`, it
 * loads the unread ones, then follows the stream from the newest of them (so none is missed or
 * repeated between the two), and stops when the last component lets go.
 */
export class NotificationFeed {
  private snapshot: NotificationsSnapshot = EMPTY;
  private readonly listeners = new Set<() => void>();
  private unsubscribe: (() => void)[] = [];
  private users = 0;
  private stopTimer: ReturnType<typeof setTimeout> | undefined;
  /** Counts starts, so a start overtaken by a stop and a new start does nothing when it resumes. */
  private generation = 0;

  constructor(readonly stream: SwitchboardNotifications) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): NotificationsSnapshot => this.snapshot;

  acquire(): void {
    clearTimeout(this.stopTimer);
    if (this.users++ === 0 && this.unsubscribe.length === 0) void this.start();
  }

  release(): void {
    if (--this.users > 0) return;
    // A component remounted at once (StrictMode) keeps the stream open.
    this.stopTimer = setTimeout(() => this.stop(), 0);
  }

  /** Marks every notification up to `lastReadId` (default: the newest shown) as read. */
  async markRead(lastReadId?: string): Promise<NotificationReadState> {
    const upTo = lastReadId ?? this.snapshot.notifications[0]?.id;
    if (upTo === undefined)
      return { unread: this.snapshot.unread, lastReadId: this.snapshot.lastReadId };
    const state = await this.stream.markRead(upTo);
    this.read(state);
    return state;
  }

  private async start(): Promise<void> {
    const generation = ++this.generation;
    const { stream } = this;
    this.unsubscribe = [
      stream.on('notification', (notification) => this.received(notification)),
      stream.on('read', (state) => this.read(state)),
      stream.on('state', (status) =>
        this.update(status === 'open' ? { status, error: undefined } : { status }),
      ),
      stream.on('error', (error) => this.update({ error })),
    ];
    let resumeAfter = stream.lastEventId;
    if (resumeAfter === undefined) {
      try {
        const state = await stream.unread();
        const page = await stream.list({ after: state.lastReadId, limit: UNREAD_PAGE_SIZE });
        if (generation !== this.generation) return;
        this.update({
          ...state,
          notifications: [...page.notifications].reverse(),
        });
        resumeAfter = page.notifications.at(-1)?.id ?? state.lastReadId;
      } catch {
        // No read state (an older notifications service) or a failure: the stream alone goes on.
      }
    }
    if (generation !== this.generation) return;
    stream.connect(resumeAfter).catch(() => {
      // Refused for good: the `error` and `closed` state are in the snapshot.
    });
  }

  private stop(): void {
    this.generation++;
    for (const stop of this.unsubscribe.splice(0)) stop();
    this.stream.close();
  }

  private received(notification: Notification): void {
    const unread =
      BigInt(notification.id) > BigInt(this.snapshot.lastReadId)
        ? this.snapshot.unread + 1
        : this.snapshot.unread;
    this.update({ notifications: [notification, ...this.snapshot.notifications], unread });
  }

  private read(state: NotificationReadState): void {
    // Positions never move back: an older announcement arriving late changes nothing.
    if (BigInt(state.lastReadId) < BigInt(this.snapshot.lastReadId)) return;
    this.update(state);
  }

  private update(change: Partial<NotificationsSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...change };
    for (const listener of this.listeners) listener();
  }
}
