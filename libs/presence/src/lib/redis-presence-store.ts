import { UserRef } from '@switchboard/protocol';
import Redis from 'ioredis';
import { PresenceStore } from './presence-store';

// KEYS: holder counts, names. Atomic so that two instances entering or leaving at once agree on who was first and last.
const ENTER = `
local holders = redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return holders`;
const EXIT = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
local holders = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if holders <= 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
  return 1
end
return 0`;

interface PresenceCommands {
  presenceEnter(counts: string, names: string, userId: string, name: string): Promise<number>;
  presenceExit(counts: string, names: string, userId: string): Promise<number>;
}

/** Presence in two Redis hashes per room: user → holding instances, user → display name. */
export class RedisPresenceStore extends PresenceStore {
  private readonly redis: Redis & PresenceCommands;

  constructor(
    redisUrl: string,
    private readonly keyPrefix: string,
  ) {
    super();
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
    redis.defineCommand('presenceEnter', { numberOfKeys: 2, lua: ENTER });
    redis.defineCommand('presenceExit', { numberOfKeys: 2, lua: EXIT });
    this.redis = redis as Redis & PresenceCommands;
  }

  private keys(room: string): [string, string] {
    return [`${this.keyPrefix}presence:${room}:holders`, `${this.keyPrefix}presence:${room}:names`];
  }

  async enter(room: string, user: UserRef): Promise<boolean> {
    return (await this.redis.presenceEnter(...this.keys(room), user.id, user.name)) === 1;
  }

  async exit(room: string, userId: string): Promise<boolean> {
    return (await this.redis.presenceExit(...this.keys(room), userId)) === 1;
  }

  async members(room: string): Promise<UserRef[]> {
    const names = await this.redis.hgetall(this.keys(room)[1]);
    return Object.entries(names).map(([id, name]) => ({ id, name }));
  }

  async close(): Promise<void> {
    await this.redis.quit();
  }
}
