import { Injectable, Logger } from '@nestjs/common';
import { MessageBus } from '@switchboard/bus';
import { RepeatedFailureLog } from '@switchboard/observability';
import { ReadStateStore } from '@switchboard/persistence';
import { InboxRoom, ReadReceiptFrame, UserRef } from '@switchboard/protocol';
import { roomForbidden } from './room-access-error';
import { RoomAccessService } from './room-access.service';

/**
 * Read state, the same on the WebSocket and over HTTP: moving a user's read position (announced to
 * the room on every instance), and the inbox of every room they are a member of.
 */
@Injectable()
export class ReadStateService {
  // A bus outage fails every receipt: logged once per interval.
  private readonly receiptFailures = new RepeatedFailureLog(new Logger(ReadStateService.name));

  constructor(
    private readonly access: RoomAccessService,
    private readonly store: ReadStateStore,
    private readonly bus: MessageBus,
  ) {}

  /**
   * Marks the room read up to `seq` and returns the user's position now. Reading a room makes the
   * user a member where joining it would (an open room), so it reaches their inbox; a room they may
   * not use is `forbidden`. A position that moved is announced to the room as a `read` receipt.
   */
  async markRead(user: UserRef, room: string, seq: number): Promise<number> {
    await this.access.enterToRead(user.id, room);
    const result = await this.store.advance(room, user.id, seq);
    // A membership ended between the check and the update (forgotten, removed): the room is gone.
    if (!result) throw roomForbidden(room);
    if (result.moved) await this.announce({ type: 'read', room, user, seq: result.lastReadSeq });
    return result.lastReadSeq;
  }

  /**
   * A stored read stands without its receipt: a retry would move nothing and announce nothing, and
   * the reader's own devices read the position from `joined` and the inbox.
   */
  private async announce(receipt: ReadReceiptFrame): Promise<void> {
    try {
      await this.bus.publish('room', receipt.room, receipt);
    } catch (error) {
      this.receiptFailures.record('read receipt failed', error);
    }
  }

  /** Every room the user is a member of, most recent activity first, in one query. */
  inbox(userId: string): Promise<InboxRoom[]> {
    return this.store.inbox(userId);
  }
}
