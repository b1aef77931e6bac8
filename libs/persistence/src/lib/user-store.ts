import { Injectable } from '@nestjs/common';
import { UserRef } from '@switchboard/protocol';
import { DataSource } from 'typeorm';

/** The name each user last connected with, so users who are not online can still be named. */
@Injectable()
export class UserStore {
  constructor(private readonly dataSource: DataSource) {}

  /** Records the user's current name; a name that did not change writes nothing. */
  async remember(user: UserRef): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO users (id, name) VALUES ($1, $2)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, updated_at = now()
       WHERE users.name <> EXCLUDED.name`,
      [user.id, user.name],
    );
  }

  /** The user with their last known name, or their id when they never connected. */
  async find(userId: string): Promise<UserRef> {
    const rows = await this.dataSource.query<{ name: string }[]>(
      'SELECT name FROM users WHERE id = $1',
      [userId],
    );
    return { id: userId, name: rows[0]?.name ?? userId };
  }
}
