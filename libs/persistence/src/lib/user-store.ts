import { Injectable } from '@nestjs/common';
import { UserRef } from '@switchboard/protocol';
import { DataSource } from 'typeorm';
import { poolRows } from './data-source';

// Ids are unique within a group and sorted, so two instances' groups lock their rows in one order
// and a row is never updated twice by one statement.
const REMEMBER_SQL = `
  INSERT INTO users (id, name) SELECT * FROM unnest($1::varchar[], $2::varchar[])
  ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, updated_at = now()
  WHERE users.name <> EXCLUDED.name`;

/** Names waiting for one write, by user id, and the promise their callers wait on. */
interface RememberGroup {
  names: Map<string, string>;
  done: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

function rememberGroup(): RememberGroup {
  const group = { names: new Map<string, string>() } as RememberGroup;
  group.done = new Promise<void>((resolve, reject) => Object.assign(group, { resolve, reject }));
  return group;
}

/** The name each user last connected with, so users who are not online can still be named. */
@Injectable()
export class UserStore {
  /** Names given while a write is under way, written together when it ends. */
  private next: RememberGroup | undefined;
  private writing = false;

  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records the user's current name; a name that did not change writes nothing. Names given while a
   * write is under way are written together in one statement after it (a reconnect storm makes one
   * write per round trip, not one per connection); for one user the latest name wins.
   */
  remember(user: UserRef): Promise<void> {
    const group = (this.next ??= rememberGroup());
    group.names.set(user.id, user.name);
    if (!this.writing) void this.writeGroups();
    return group.done;
  }

  private async writeGroups(): Promise<void> {
    this.writing = true;
    for (let group = this.next; group; group = this.next) {
      this.next = undefined;
      const { names, resolve, reject } = group;
      const ids = [...names.keys()].sort();
      await poolRows(this.dataSource, REMEMBER_SQL, [ids, ids.map((id) => names.get(id))]).then(
        () => resolve(),
        reject,
      );
    }
    this.writing = false;
  }

  /** The user with their last known name, or their id when they never connected. */
  async find(userId: string): Promise<UserRef> {
    const rows = await poolRows<{ name: string }>(
      this.dataSource,
      'SELECT name FROM users WHERE id = $1',
      [userId],
    );
    return { id: userId, name: rows[0]?.name ?? userId };
  }
}
