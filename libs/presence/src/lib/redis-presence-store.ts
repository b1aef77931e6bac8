import { Logger } from '@nestjs/common';
import { UserRef } from '@switchboard/protocol';
import { RedisConnections } from '@switchboard/redis';
import type Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import {
  DepartedUser,
  ONLINE,
  PRESENCE_STALE_FACTOR,
  PresenceStore,
  ReapedHoldings,
  RoomEntrance,
  UserStatusRecord,
} from './presence-store';

// Every script runs atomically, so instances entering, leaving and reaping at once agree on who was
// first and who was last. An entry of an instance's holdings is `room \n userId` (rooms have no \n).

// KEYS: holders, names, this instance's holdings. ARGV: userId, name, room.
const ENTER = `
if redis.call('SADD', KEYS[3], ARGV[3] .. '\\n' .. ARGV[1]) == 0 then return 0 end
local holders = redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return holders`;

// ENTER, then the room's names (flat: id, name, …): a join's entry and its member list in one call.
// KEYS and ARGV as ENTER.
const ENTER_AND_LIST = `
local first = 0
if redis.call('SADD', KEYS[3], ARGV[3] .. '\\n' .. ARGV[1]) == 1 then
  if redis.call('HINCRBY', KEYS[1], ARGV[1], 1) == 1 then first = 1 end
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
end
return {first, redis.call('HGETALL', KEYS[2])}`;

// KEYS: holders, names, this instance's holdings. ARGV: userId, room.
const EXIT = `
if redis.call('SREM', KEYS[3], ARGV[2] .. '\\n' .. ARGV[1]) == 0 then return 0 end
local holders = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if holders <= 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
  return 1
end
return 0`;

// KEYS: instances. ARGV: instance id. Returns 1 when the instance was not listed (new, or reaped).
const HEARTBEAT = `
local time = redis.call('TIME')
return redis.call('ZADD', KEYS[1], tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000), ARGV[1])`;

// KEYS: instances. ARGV: key prefix, stale after (ms), own id. Releases everything held by instances
// that stopped heartbeating; returns two flat lists of room, userId, name: each user now gone from a
// room, and each user who was typing on a dead instance.
const REAP = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local departed = {}
local typists = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))) do
  if id ~= ARGV[3] then
    local holdings = ARGV[1] .. 'presence:instance:' .. id .. ':holdings'
    for _, entry in ipairs(redis.call('SMEMBERS', holdings)) do
      local split = string.find(entry, '\\n', 1, true)
      local room = string.sub(entry, 1, split - 1)
      local user = string.sub(entry, split + 1)
      local holders = ARGV[1] .. 'presence:' .. room .. ':holders'
      local names = ARGV[1] .. 'presence:' .. room .. ':names'
      if redis.call('HEXISTS', holders, user) == 1 and redis.call('HINCRBY', holders, user, -1) <= 0 then
        local name = redis.call('HGET', names, user)
        redis.call('HDEL', holders, user)
        redis.call('HDEL', names, user)
        table.insert(departed, room)
        table.insert(departed, user)
        table.insert(departed, name or user)
      end
    end
    redis.call('DEL', holdings)
    local typing = ARGV[1] .. 'presence:instance:' .. id .. ':typing'
    local entries = redis.call('HGETALL', typing)
    for i = 1, #entries, 2 do
      local split = string.find(entries[i], '\\n', 1, true)
      table.insert(typists, string.sub(entries[i], 1, split - 1))
      table.insert(typists, string.sub(entries[i], split + 1))
      table.insert(typists, entries[i + 1])
    end
    redis.call('DEL', typing)
    redis.call('ZREM', KEYS[1], id)
  end
end
return {departed, typists}`;

// KEYS: instances, this instance's holdings, its typists. ARGV: instance id. Leaves the list only when
// nothing is held any more; otherwise stays listed, so another instance reaps what is left and says who left.
const RETIRE = `
if redis.call('SCARD', KEYS[2]) > 0 or redis.call('HLEN', KEYS[3]) > 0 then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
return 1`;

interface PresenceCommands {
  presenceEnter(
    holders: string,
    names: string,
    holdings: string,
    userId: string,
    name: string,
    room: string,
  ): Promise<number>;
  presenceEnterAndList(
    holders: string,
    names: string,
    holdings: string,
    userId: string,
    name: string,
    room: string,
  ): Promise<[number, string[]]>;
  presenceExit(
    holders: string,
    names: string,
    holdings: string,
    userId: string,
    room: string,
  ): Promise<number>;
  presenceHeartbeat(instances: string, instanceId: string): Promise<number>;
  presenceReap(
    instances: string,
    keyPrefix: string,
    staleAfterMs: number,
    instanceId: string,
  ): Promise<[string[], string[]]>;
  presenceRetire(
    instances: string,
    holdings: string,
    typing: string,
    instanceId: string,
  ): Promise<number>;
}

/**
 * Presence in Redis. Per room, two hashes: user → instances holding them, user → display name.
 * Per instance, the set of (room, user) it holds, and its last heartbeat in a sorted set, so the
 * holdings of an instance that died without leaving are released by the others.
 */
export class RedisPresenceStore extends PresenceStore {
  readonly instanceId = randomUUID();
  private readonly redis: Redis & PresenceCommands;
  private readonly keyPrefix: string;
  private readonly instancesKey: string;
  private readonly holdingsKey: string;
  private readonly typingKey: string;
  /** User id to when they last went offline (ms). */
  private readonly lastSeenKey: string;
  private heartbeats = 0;
  private readonly logger = new Logger('Presence');

  constructor(
    connections: RedisConnections,
    readonly heartbeatIntervalMs: number,
  ) {
    super();
    // Commands issued in one event-loop turn go out in one write: fewer syscalls per message.
    const redis = connections.open('presence', { batchWrites: true });
    redis.defineCommand('presenceEnter', { numberOfKeys: 3, lua: ENTER });
    redis.defineCommand('presenceEnterAndList', { numberOfKeys: 3, lua: ENTER_AND_LIST });
    redis.defineCommand('presenceExit', { numberOfKeys: 3, lua: EXIT });
    redis.defineCommand('presenceHeartbeat', { numberOfKeys: 1, lua: HEARTBEAT });
    redis.defineCommand('presenceReap', { numberOfKeys: 1, lua: REAP });
    redis.defineCommand('presenceRetire', { numberOfKeys: 3, lua: RETIRE });
    this.redis = redis as Redis & PresenceCommands;
    this.keyPrefix = connections.keyPrefix;
    this.instancesKey = `${this.keyPrefix}presence:instances`;
    this.holdingsKey = `${this.keyPrefix}presence:instance:${this.instanceId}:holdings`;
    this.typingKey = `${this.keyPrefix}presence:instance:${this.instanceId}:typing`;
    this.lastSeenKey = `${this.keyPrefix}presence:last-seen`;
    connections.beforeClose(() => this.retireAtShutdown());
  }

  private roomKeys(room: string): [string, string] {
    return [`${this.keyPrefix}presence:${room}:holders`, `${this.keyPrefix}presence:${room}:names`];
  }

  async enter(room: string, user: UserRef): Promise<boolean> {
    return (
      (await this.redis.presenceEnter(
        ...this.roomKeys(room),
        this.holdingsKey,
        user.id,
        user.name,
        room,
      )) === 1
    );
  }

  async enterAndList(room: string, user: UserRef): Promise<RoomEntrance> {
    const [first, names] = await this.redis.presenceEnterAndList(
      ...this.roomKeys(room),
      this.holdingsKey,
      user.id,
      user.name,
      room,
    );
    const members: UserRef[] = [];
    for (let i = 0; i < names.length; i += 2) members.push({ id: names[i], name: names[i + 1] });
    return { first: first === 1, members };
  }

  async exit(room: string, userId: string): Promise<boolean> {
    return (
      (await this.redis.presenceExit(...this.roomKeys(room), this.holdingsKey, userId, room)) === 1
    );
  }

  async members(room: string): Promise<UserRef[]> {
    const names = await this.redis.hgetall(this.roomKeys(room)[1]);
    return Object.entries(names).map(([id, name]) => ({ id, name }));
  }

  async heartbeat(): Promise<boolean> {
    const absent = (await this.redis.presenceHeartbeat(this.instancesKey, this.instanceId)) === 1;
    return absent && this.heartbeats++ > 0;
  }

  /** This instance's typists: a hash of `room \n userId` to the user's name. */
  async startTyping(room: string, user: UserRef): Promise<void> {
    await this.redis.hset(this.typingKey, `${room}\n${user.id}`, user.name);
  }

  async stopTyping(room: string, userId: string): Promise<void> {
    await this.redis.hdel(this.typingKey, `${room}\n${userId}`);
  }

  async recordLastSeen(userId: string, atMs: number): Promise<void> {
    await this.redis.hset(this.lastSeenKey, userId, atMs);
  }

  async statusOf(userIds: string[]): Promise<UserStatusRecord[]> {
    if (userIds.length === 0) return [];
    const [holders, seen] = await Promise.all([
      this.redis.hmget(this.roomKeys(ONLINE)[0], ...userIds),
      this.redis.hmget(this.lastSeenKey, ...userIds),
    ]);
    return userIds.map((id, i) =>
      holders[i] !== null
        ? { id, online: true, lastSeen: null }
        : { id, online: false, lastSeen: seen[i] === null ? null : Number(seen[i]) },
    );
  }

  async reap(): Promise<ReapedHoldings> {
    const [departed, typists] = await this.redis.presenceReap(
      this.instancesKey,
      this.keyPrefix,
      this.heartbeatIntervalMs * PRESENCE_STALE_FACTOR,
      this.instanceId,
    );
    return { departed: roomUsers(departed), typists: roomUsers(typists) };
  }

  /** A failed retire (Redis down) must not stop the shutdown: the instance stays listed and is reaped. */
  private async retireAtShutdown(): Promise<void> {
    try {
      await this.retire();
    } catch (error) {
      this.logger.warn(
        `could not retire (${(error as Error).message}); the other instances release what this one held`,
      );
    }
  }

  /** Leaves the instance list once a graceful shutdown has left every room (otherwise reaped). */
  async retire(): Promise<void> {
    await this.redis.presenceRetire(
      this.instancesKey,
      this.holdingsKey,
      this.typingKey,
      this.instanceId,
    );
  }
}

/** Reads a flat list of room, userId, name triples. */
function roomUsers(flat: string[]): DepartedUser[] {
  const users: DepartedUser[] = [];
  for (let i = 0; i < flat.length; i += 3)
    users.push({ room: flat[i], user: { id: flat[i + 1], name: flat[i + 2] } });
  return users;
}
