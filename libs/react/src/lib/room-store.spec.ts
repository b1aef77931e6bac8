import type { ChatMessage, HistoryMessage } from '@switchboard/protocol';
import { applyChange, mergeBySeq } from './room-store';
import { userIdOfToken } from './token-user';

const message = (seq: number, text = `m${seq}`): ChatMessage => ({
  id: String(100 + seq),
  room: 'r',
  seq,
  user: { id: 'u', name: 'u' },
  text,
  ts: seq,
  clientMsgId: null,
});

describe('mergeBySeq', () => {
  it('keeps ascending seq, each once, the incoming copy winning', () => {
    const held = [message(2), message(4)];
    const merged = mergeBySeq(held, [message(5), message(1), message(4, 'again'), message(3)]);
    expect(merged.map((item) => [item.seq, 'text' in item && item.text])).toEqual([
      [1, 'm1'],
      [2, 'm2'],
      [3, 'm3'],
      [4, 'again'],
      [5, 'm5'],
    ]);
    expect(mergeBySeq(held, [])).toBe(held);
  });
});

describe('applyChange', () => {
  const messages: HistoryMessage[] = [message(1), message(2)];

  it('edits and deletes the message they name, and nothing else', () => {
    const edited = applyChange(messages, {
      type: 'message_edited',
      room: 'r',
      id: '101',
      seq: 3,
      text: 'new',
      editedAt: 9,
    });
    expect(edited[0]).toMatchObject({ seq: 1, text: 'new', editedAt: 9 });
    expect(edited[1]).toBe(messages[1]);
    const deleted = applyChange(edited, { type: 'message_deleted', room: 'r', id: '101', seq: 4 });
    expect(deleted[0]).toEqual({
      id: '101',
      room: 'r',
      seq: 1,
      user: { id: 'u', name: 'u' },
      ts: 1,
      clientMsgId: null,
      deleted: true,
    });
    // A deleted message stays deleted; a change of one not loaded changes nothing.
    const late = { type: 'message_edited', room: 'r', seq: 5, text: 'x', editedAt: 1 } as const;
    expect(applyChange(deleted, { ...late, id: '101' })).toBe(deleted);
    expect(applyChange(deleted, { ...late, id: '999' })).toBe(deleted);
  });
});

describe('userIdOfToken', () => {
  it('reads the sub claim of a JWT (base64url), and nothing of other tokens', () => {
    const payload = Buffer.from(JSON.stringify({ sub: 'ünïcode-user?>', name: 'x' })).toString(
      'base64url',
    );
    expect(userIdOfToken(`header.${payload}.signature`)).toBe('ünïcode-user?>');
    expect(userIdOfToken('opaque-token')).toBeUndefined();
    expect(userIdOfToken('a.b%%%.c')).toBeUndefined();
  });
});
