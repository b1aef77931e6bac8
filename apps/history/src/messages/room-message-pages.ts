import { Injectable } from '@nestjs/common';
import { MessageBus, Unsubscribe } from '@switchboard/bus';
import { LongPollWaiters } from '@switchboard/long-poll';
import { MessagePage, MessageStore, PageQuery } from '@switchboard/persistence';
import { RoomEventFrame } from '@switchboard/protocol';
import { RoomAccessService } from '@switchboard/room-access';
import type { ServerResponse } from 'node:http';

/** The seq of a frame that takes one of the room's seqs (a message, an edit, a delete); else undefined. */
function sequencedSeq(frame: RoomEventFrame): number | undefined {
  switch (frame.type) {
    case 'message':
    case 'message_edited':
    case 'message_deleted':
      return frame.seq;
    case 'user_joined':
    case 'user_left':
    case 'read':
    case 'typing':
    case 'typing_stopped':
      return undefined;
  }
}

/** The held requests of one room, woken by one bus subscription that all of them share. */
interface RoomWatch {
  subscribed: Promise<Unsubscribe>;
  wakers: Set<(seq: number) => void>;
}

/** A room's history read page by page, at once (short polling) or held until something new (long polling). */
@Injectable()
export class RoomMessagePages {
  private readonly watches = new Map<string, RoomWatch>();

  constructor(
    private readonly store: MessageStore,
    private readonly access: RoomAccessService,
    private readonly bus: MessageBus,
    private readonly waiters: LongPollWaiters,
  ) {}

  /**
   * A page of `room` for `userId`. With `waitMs` (and `query.after`), a page with nothing after the
   * cursor is not answered at once but when a message, edit or delete past it is published, or empty
   * after `waitMs`. Access is checked with every read, like a short poll.
   */
  async page(
    userId: string,
    room: string,
    query: PageQuery,
    wait?: { ms: number; response: ServerResponse },
  ): Promise<MessagePage> {
    // The reader's standing comes with the page, from one statement; a refused read returns nothing
    // of the page. A held request checks again with each read, so a member removed while waiting is
    // not answered with what was sent after.
    const checkedRead = async () => {
      const { standing, page } = await this.store.readerPage(room, userId, query);
      this.access.authorizeStanding(userId, room, standing);
      return page;
    };
    const after = query.after;
    if (wait === undefined || after === undefined) return checkedRead();
    return this.waiters.hold({
      waitMs: wait.ms,
      response: wait.response,
      watch: (wake) =>
        this.watch(room, (seq) => {
          if (seq > after) wake();
        }),
      read: checkedRead,
      answers: (page) => page.messages.length > 0 || (page.events?.length ?? 0) > 0,
    });
  }

  /** Calls `onSeq` with the seq of each sequenced event of `room` once subscribed; returns how to stop. */
  private async watch(room: string, onSeq: (seq: number) => void): Promise<() => void> {
    let watch = this.watches.get(room);
    if (!watch) {
      const wakers = new Set<(seq: number) => void>();
      const subscribed = this.bus.subscribe('room', room, (frame) => {
        const seq = sequencedSeq(frame);
        if (seq !== undefined) for (const waker of wakers) waker(seq);
      });
      const created: RoomWatch = { subscribed, wakers };
      // A failed subscription is forgotten, so the next request for the room subscribes again.
      subscribed.catch(() => this.forget(room, created));
      this.watches.set(room, (watch = created));
    }
    const current = watch;
    current.wakers.add(onSeq);
    const stop = () => {
      current.wakers.delete(onSeq);
      if (current.wakers.size === 0 && this.forget(room, current))
        void current.subscribed.then((unsubscribe) => unsubscribe()).catch(() => undefined);
    };
    try {
      await current.subscribed;
    } catch (error) {
      stop();
      throw error;
    }
    return stop;
  }

  /** Forgets `watch` if it is still the room's; returns whether it was. */
  private forget(room: string, watch: RoomWatch): boolean {
    if (this.watches.get(room) !== watch) return false;
    this.watches.delete(room);
    return true;
  }
}
