import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { MessageBus, Unsubscribe } from '@switchboard/bus';
import { RoomAccessChange } from '@switchboard/protocol';
import { RoomAccessService, roomForbidden } from '@switchboard/room-access';
import { ClientSession } from '../connections/client-session';
import { RoomMembershipService } from './room-membership.service';

/** A join whose access check is under way; `stale` when a change to the room was announced meanwhile. */
interface Admission {
  userId: string;
  stale: boolean;
}

/**
 * Access to rooms on this instance: a join goes through the shared policy (one database round trip,
 * once per join; a send to a joined room needs no check), and a change announced on the bus
 * (`room-access`: a member removed, a room made private) takes the room from the connections here
 * that lost it, at once. A join whose check was under way when a change was announced is checked again.
 */
@Injectable()
export class RoomGatekeeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RoomGatekeeper.name);
  private readonly admissions = new Map<string, Set<Admission>>();
  private unsubscribe: Unsubscribe | undefined;

  constructor(
    private readonly access: RoomAccessService,
    private readonly rooms: RoomMembershipService,
    private readonly bus: MessageBus,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.unsubscribe = await this.bus.subscribe('room-access', '', (change) => this.apply(change));
  }

  async onModuleDestroy(): Promise<void> {
    await this.unsubscribe?.();
  }

  /** Joins if the user may use the room (replying `joined`); otherwise throws `forbidden`. */
  async join(
    session: ClientSession,
    room: string,
    since: number | undefined,
    watch = false,
  ): Promise<void> {
    const admission: Admission = { userId: session.user.id, stale: false };
    let pending = this.admissions.get(room);
    if (!pending) {
      pending = new Set();
      this.admissions.set(room, pending);
    }
    pending.add(admission);
    try {
      let entry = await this.access.enter(session.user.id, room);
      while (admission.stale) {
        admission.stale = false;
        entry = await this.access.enter(session.user.id, room);
      }
      // From here an announced change finds the session in the room and evicts it.
      const joined = await this.rooms.join(
        session,
        room,
        since,
        {
          ...(entry.partner ? { direct: { user: entry.partner } } : {}),
          ...(entry.position ? { position: entry.position } : {}),
        },
        watch,
      );
      if (!joined) throw roomForbidden(room);
    } finally {
      pending.delete(admission);
      if (pending.size === 0 && this.admissions.get(room) === pending) this.admissions.delete(room);
    }
  }

  private apply(change: RoomAccessChange): void {
    switch (change.type) {
      case 'member_removed':
        for (const admission of this.admissions.get(change.room) ?? []) {
          if (admission.userId === change.userId) admission.stale = true;
        }
        this.rooms.evict(change.room, (session) => session.user.id === change.userId);
        return;
      case 'access_changed':
        for (const admission of this.admissions.get(change.room) ?? []) admission.stale = true;
        void this.recheck(change.room);
        return;
    }
  }

  /** Evicts the users here who may no longer use the room. */
  private async recheck(room: string): Promise<void> {
    try {
      const refused = new Set(await this.access.refusedAmong(room, this.rooms.usersIn(room)));
      if (refused.size > 0) this.rooms.evict(room, (session) => refused.has(session.user.id));
    } catch (error) {
      this.logger.warn(`could not check who may still use ${room}: ${(error as Error).message}`);
    }
  }
}
