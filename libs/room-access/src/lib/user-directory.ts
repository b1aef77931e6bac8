import { Injectable } from '@nestjs/common';
import { UserStore } from '@switchboard/persistence';
import { UserRef } from '@switchboard/protocol';

/** Names this instance has stored; a connection with the same name as the last one writes nothing. */
const MAX_REMEMBERED = 10_000;

/** The name each user last connected with, so a direct room can name a partner who is not online. */
@Injectable()
export class UserDirectory {
  private readonly remembered = new Map<string, string>();

  constructor(private readonly users: UserStore) {}

  async remember(user: UserRef): Promise<void> {
    if (this.remembered.get(user.id) === user.name) return;
    await this.users.remember(user);
    if (this.remembered.size >= MAX_REMEMBERED) this.remembered.clear();
    this.remembered.set(user.id, user.name);
  }

  /** The user with their last known name, or their id for a user never seen. */
  find(userId: string): Promise<UserRef> {
    return this.users.find(userId);
  }
}
