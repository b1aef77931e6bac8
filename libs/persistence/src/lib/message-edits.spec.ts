import { testConfig, uniqueRoom } from '@switchboard/testing';
import { DataSource } from 'typeorm';
import { createDataSource } from './data-source';
import { MessageStore } from './message-store';
import { ReadStateStore } from './read-state-store';
import { RoomStore } from './room-store';

const ada = { userId: 'ada', userName: 'Ada' };
const bob = { userId: 'bob', userName: 'Bob' };

describe('MessageStore edits and deletes (PostgreSQL)', () => {
  let dataSource: DataSource;
  let store: MessageStore;

  beforeAll(async () => {
    dataSource = await createDataSource(testConfig('history').databaseUrl, 8).initialize();
    store = new MessageStore(dataSource);
  });

  afterAll(async () => {
    await dataSource.destroy();
  });

  async function send(room: string, text: string, author = ada): Promise<string> {
    const { message } = await store.append({ room, ...author, text, clientMsgId: null });
    return message.id;
  }

  it('stores an edit and a delete as events with the next seqs; pages show current state', async () => {
    const room = uniqueRoom();
    const first = await send(room, 'helo');
    const second = await send(room, 'bye');

    const edited = await store.edit(room, first, 'hello', ada);
    expect(edited).toMatchObject({
      outcome: 'changed',
      created: true,
      event: { type: 'message_edited', room, id: first, seq: 3, text: 'hello' },
    });
    const deleted = await store.delete(room, second, ada);
    expect(deleted).toMatchObject({
      outcome: 'changed',
      event: { type: 'message_deleted', room, id: second, seq: 4 },
    });
    expect(await store.lastSeq(room)).toBe(4);

    const newest = await store.page(room, { limit: 50 });
    expect(newest.events).toBeUndefined();
    expect(newest.hasMore).toBe(false);
    expect(newest.messages).toEqual([
      expect.objectContaining({ id: first, seq: 1, text: 'hello', editedAt: expect.any(Number) }),
      {
        id: second,
        room,
        seq: 2,
        user: { id: 'ada', name: 'Ada' },
        ts: expect.any(Number),
        clientMsgId: null,
        deleted: true,
      },
    ]);

    // A resume lists the events so a client that had the originals can apply them, in seq order.
    const resumed = await store.page(room, { after: 1, limit: 50 });
    expect(resumed.messages.map((message) => message.seq)).toEqual([2]);
    expect(resumed.events).toEqual([
      {
        type: 'message_edited',
        room,
        id: first,
        seq: 3,
        text: 'hello',
        editedAt: expect.any(Number),
      },
      { type: 'message_deleted', room, id: second, seq: 4 },
    ]);
    expect(resumed.hasMore).toBe(false);
  });

  it("refuses another user's message (forbidden) and an unknown one (not_found), using up no seq", async () => {
    const room = uniqueRoom();
    const id = await send(room, 'mine');
    await expect(store.edit(room, id, 'theirs', bob)).resolves.toEqual({ outcome: 'forbidden' });
    await expect(store.delete(room, id, bob)).resolves.toEqual({ outcome: 'forbidden' });
    await expect(store.edit(room, '999999999999', 'x', ada)).resolves.toEqual({
      outcome: 'not_found',
    });
    await expect(store.delete(room, '9999999999999999999', ada)).resolves.toEqual({
      outcome: 'not_found',
    });
    // A message of another room is unknown here.
    await expect(store.edit(uniqueRoom(), id, 'x', ada)).resolves.toEqual({ outcome: 'not_found' });
    expect(await store.lastSeq(room)).toBe(1);
    expect((await store.page(room, { limit: 10 })).messages).toMatchObject([{ text: 'mine' }]);
  });

  it('lets a room admin delete anyone’s message; a repeated delete answers the first, storing nothing', async () => {
    const room = uniqueRoom();
    const id = await send(room, 'spam', bob);
    const first = await store.delete(room, id, { ...ada, mayDeleteOthers: true });
    expect(first).toMatchObject({ outcome: 'changed', created: true, event: { seq: 2 } });
    await expect(store.delete(room, id, bob)).resolves.toEqual({
      outcome: 'changed',
      created: false,
      event: { type: 'message_deleted', room, id, seq: 2 },
    });
    // Only those who may delete it learn it is deleted; an edit of a deleted message finds nothing.
    await expect(store.delete(room, id, { userId: 'eve', userName: 'Eve' })).resolves.toEqual({
      outcome: 'forbidden',
    });
    await expect(store.edit(room, id, 'back', bob)).resolves.toEqual({ outcome: 'not_found' });
    expect(await store.lastSeq(room)).toBe(2);
  });

  it('keeps seqs gap-free, and nothing after the delete, when edits, a delete and sends race', async () => {
    const room = uniqueRoom();
    const id = await send(room, 'v0');
    const results = await Promise.all([
      ...Array.from({ length: 10 }, (_, n) => store.edit(room, id, `v${n + 1}`, ada)),
      store.delete(room, id, ada),
      ...Array.from({ length: 5 }, (_, n) => send(room, `other ${n}`)),
    ]);
    const changes = results.filter(
      (result) => typeof result !== 'string' && result.outcome === 'changed',
    );
    const last = await store.lastSeq(room);
    // The message, the 5 others and every change that was stored: no number used up in vain.
    expect(last).toBe(1 + 5 + changes.length);
    const all = await store.page(room, { after: 0, limit: 100 });
    const seqs = [...all.messages, ...(all.events ?? [])]
      .map((item) => item.seq)
      .sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: last }, (_, n) => n + 1));
    // Nothing changes the message after its delete, and it ends deleted.
    const deletions = (all.events ?? []).filter((event) => event.type === 'message_deleted');
    expect(deletions).toHaveLength(1);
    expect((all.events ?? []).filter((event) => event.seq > deletions[0].seq)).toEqual([]);
    expect(all.messages[0]).toMatchObject({ id, deleted: true });
  });

  it('counts edits and deletes neither as unread nor as the inbox’s last message', async () => {
    const room = uniqueRoom();
    const readState = new ReadStateStore(dataSource);
    await new RoomStore(dataSource).recordMember(room, 'ada');
    const first = await send(room, 'first', bob);
    await send(room, 'second', bob);
    await store.edit(room, first, 'first!', bob);
    await store.delete(room, first, bob);
    await expect(readState.position(room, 'ada')).resolves.toEqual({ lastReadSeq: 0, unread: 2 });
    const [entry] = (await readState.inbox('ada')).filter((inbox) => inbox.room === room);
    expect(entry.lastMessage).toMatchObject({ seq: 2, text: 'second' });
  });
});
