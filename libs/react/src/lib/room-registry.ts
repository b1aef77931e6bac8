import type { SwitchboardClient } from '@switchboard/client';
import { HttpAccess } from './http-access';
import { RoomStore } from './room-store';

interface Holder {
  store: RoomStore;
  users: number;
  leaveTimer?: ReturnType<typeof setTimeout>;
}

/**
 * The rooms the component tree uses, each joined once however many components use it and left
 * when the last lets go. The leave waits a task, so a component remounted at once (React's
 * StrictMode, a list reordered) keeps the room instead of leaving and joining it again.
 */
export class RoomRegistry {
  private readonly rooms = new Map<string, Holder>();

  constructor(
    private readonly client: SwitchboardClient,
    private readonly history: HttpAccess,
    private readonly userId: () => string | undefined,
  ) {}

  acquire(room: string): RoomStore {
    let holder = this.rooms.get(room);
    if (!holder) {
      holder = { store: new RoomStore(this.client, room, this.history, this.userId), users: 0 };
      this.rooms.set(room, holder);
      holder.store.start();
    }
    clearTimeout(holder.leaveTimer);
    holder.users++;
    return holder.store;
  }

  release(store: RoomStore): void {
    const holder = this.rooms.get(store.room);
    if (holder?.store !== store || --holder.users > 0) return;
    holder.leaveTimer = setTimeout(() => {
      this.rooms.delete(store.room);
      store.stop();
    }, 0);
  }

  /** The provider is going away: every room's store stops following the client. */
  dispose(): void {
    for (const holder of this.rooms.values()) {
      clearTimeout(holder.leaveTimer);
      holder.store.stop();
    }
    this.rooms.clear();
  }
}
