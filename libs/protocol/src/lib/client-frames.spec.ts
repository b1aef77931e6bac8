import { parseClientFrame, validateSendMessageBody } from './client-frames';
import { PROTOCOL_LIMITS } from './limits';

const codeOf = (raw: string) => {
  const parsed = parseClientFrame(raw);
  return parsed.ok ? 'ok' : parsed.error.code;
};
const frame = (value: unknown) => codeOf(JSON.stringify(value));

describe('parseClientFrame', () => {
  it('accepts each frame type', () => {
    expect(parseClientFrame('{"type":"join","room":"general"}')).toEqual({
      ok: true,
      frame: { type: 'join', room: 'general' },
    });
    expect(frame({ type: 'join', room: 'a.b:c-d_e', since: 0 })).toBe('ok');
    expect(frame({ type: 'leave', room: 'general' })).toBe('ok');
    expect(
      frame({
        type: 'message',
        room: 'general',
        text: 'hi\tthere\n<b>x</b> 👋',
        clientMsgId: 'c'.repeat(64),
      }),
    ).toBe('ok');
    expect(frame({ type: 'ping' })).toBe('ok');
  });

  it('accepts typing and typing_stop for a room, and nothing else in them', () => {
    expect(parseClientFrame('{"type":"typing","room":"general"}')).toEqual({
      ok: true,
      frame: { type: 'typing', room: 'general' },
    });
    expect(frame({ type: 'typing_stop', room: 'dm:x' })).toBe('ok');
    for (const type of ['typing', 'typing_stop']) {
      expect(frame({ type })).toBe('invalid_message');
      expect(frame({ type, room: 'a b' })).toBe('invalid_message');
      expect(frame({ type, room: 'general', user: 'someone' })).toBe('invalid_message');
    }
  });

  it('accepts presence for up to 100 user ids, and nothing else', () => {
    expect(frame({ type: 'presence', users: [] })).toBe('ok');
    expect(frame({ type: 'presence', users: Array.from({ length: 100 }, (_, i) => `u${i}`) })).toBe(
      'ok',
    );
    expect(frame({ type: 'presence', users: Array.from({ length: 101 }, (_, i) => `u${i}`) })).toBe(
      'invalid_message',
    );
    expect(frame({ type: 'presence', users: [''] })).toBe('invalid_message');
    expect(frame({ type: 'presence' })).toBe('invalid_message');
    expect(frame({ type: 'presence', users: ['a'], room: 'r' })).toBe('invalid_message');
  });

  it('accepts a watch join, and only a boolean watch', () => {
    expect(parseClientFrame('{"type":"join","room":"general","watch":true,"since":3}')).toEqual({
      ok: true,
      frame: { type: 'join', room: 'general', watch: true, since: 3 },
    });
    expect(frame({ type: 'join', room: 'general', watch: false })).toBe('ok');
    for (const watch of ['true', 1, null, {}]) {
      expect(parseClientFrame(JSON.stringify({ type: 'join', room: 'general', watch }))).toEqual({
        ok: false,
        error: { code: 'invalid_message', message: expect.stringMatching(/^watch: /) },
      });
    }
  });

  it('says invalid_json for text that is not JSON', () => {
    for (const raw of ['', 'x', '{', '{"type":"ping"} trailing', "{'type':'ping'}"])
      expect(codeOf(raw)).toBe('invalid_json');
  });

  it('says invalid_message for JSON that is not a known frame', () => {
    for (const value of [
      [],
      'ping',
      1,
      null,
      {},
      { type: 'PING' },
      { type: 'join' },
      { type: 'join', room: '' },
    ]) {
      expect(frame(value)).toBe('invalid_message');
    }
    expect(frame({ type: 'join', room: 'x'.repeat(65) })).toBe('invalid_message');
    expect(frame({ type: 'join', room: 'a/b' })).toBe('invalid_message');
    expect(frame({ type: 'join', room: 'ok', since: -1 })).toBe('invalid_message');
    expect(frame({ type: 'message', room: 'ok', text: 'x', clientMsgId: 'c'.repeat(65) })).toBe(
      'invalid_message',
    );
    expect(frame({ type: 'ping', extra: true })).toBe('invalid_message');
  });

  it('names the offending field in the message', () => {
    const parsed = parseClientFrame(JSON.stringify({ type: 'join', room: 'a b' }));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.message).toMatch(/^room: /);
  });

  it('refuses control characters except newline and tab', () => {
    for (const char of [
      '\u0000',
      '\u0001',
      '\u0008',
      '\u000b',
      '\u000c',
      '\r',
      '\u001f',
      '\u007f',
    ]) {
      expect(frame({ type: 'message', room: 'ok', text: `a${char}b` })).toBe('invalid_message');
    }
  });

  it('refuses any control character in clientMsgId, which PostgreSQL (NUL) or logs would mangle', () => {
    for (const char of ['\u0000', '\u0001', '\t', '\n', '\r', '\u001f', '\u007f']) {
      const parsed = parseClientFrame(
        JSON.stringify({ type: 'message', room: 'ok', text: 'x', clientMsgId: `c${char}1` }),
      );
      expect(parsed).toMatchObject({
        ok: false,
        error: {
          code: 'invalid_message',
          message: expect.stringMatching(/^clientMsgId: .*control/),
        },
      });
    }
    expect(frame({ type: 'message', room: 'ok', text: 'x', clientMsgId: 'c-1 é\u0080' })).toBe(
      'ok',
    );
  });

  it('refuses text and clientMsgId that are not valid Unicode (a lone surrogate), accepts surrogate pairs', () => {
    // Escaped on the wire: valid JSON and valid UTF-8, but the decoded string has a lone surrogate.
    for (const escaped of ['\\ud800', 'a\\udfffb', '\\udc4b\\ud83d', '\\ud83d']) {
      expect(codeOf(`{"type":"message","room":"ok","text":"${escaped}"}`)).toBe('invalid_message');
      expect(codeOf(`{"type":"message","room":"ok","text":"x","clientMsgId":"${escaped}"}`)).toBe(
        'invalid_message',
      );
    }
    const parsed = parseClientFrame('{"type":"message","room":"ok","text":"a\\udfffb"}');
    expect(parsed.ok ? null : parsed.error.message).toMatch(/^text: must be valid Unicode/);
    expect(
      codeOf(
        '{"type":"message","room":"ok","text":"\\ud83d\\udc4b","clientMsgId":"\\ud83d\\ude00"}',
      ),
    ).toBe('ok');
  });

  it('says too_long above 4,000 characters and accepts exactly 4,000', () => {
    expect(
      frame({ type: 'message', room: 'ok', text: 'x'.repeat(PROTOCOL_LIMITS.maxTextLength) }),
    ).toBe('ok');
    expect(
      frame({ type: 'message', room: 'ok', text: 'x'.repeat(PROTOCOL_LIMITS.maxTextLength + 1) }),
    ).toBe('too_long');
  });
});

describe('read and inbox frames', () => {
  it('accepts a read of a room up to a whole seq from 0, and an inbox request', () => {
    expect(parseClientFrame('{"type":"read","room":"general","seq":7}')).toEqual({
      ok: true,
      frame: { type: 'read', room: 'general', seq: 7 },
    });
    expect(frame({ type: 'read', room: 'dm:x', seq: 0 })).toBe('ok');
    expect(frame({ type: 'inbox' })).toBe('ok');
  });

  it.each([
    ['a negative seq', { type: 'read', room: 'general', seq: -1 }],
    ['a fractional seq', { type: 'read', room: 'general', seq: 2.5 }],
    ['a seq as a string', { type: 'read', room: 'general', seq: '2' }],
    ['a seq beyond 2^53', { type: 'read', room: 'general', seq: 2 ** 53 + 2 }],
    ['no seq', { type: 'read', room: 'general' }],
    ['no room', { type: 'read', seq: 1 }],
    ['a bad room', { type: 'read', room: 'no spaces', seq: 1 }],
    ['an extra field on read', { type: 'read', room: 'general', seq: 1, user: 'ann' }],
    ['an extra field on inbox', { type: 'inbox', room: 'general' }],
  ])('says invalid_message for %s', (_, value) => {
    expect(frame(value)).toBe('invalid_message');
  });
});

describe('validateSendMessageBody', () => {
  it('applies the message frame rules to an HTTP body', () => {
    expect(validateSendMessageBody({ text: 'hi', clientMsgId: 'a' })).toEqual({
      ok: true,
      body: { text: 'hi', clientMsgId: 'a' },
    });
    expect(validateSendMessageBody({ text: 'x'.repeat(4001) })).toMatchObject({
      ok: false,
      error: { code: 'too_long' },
    });
    expect(validateSendMessageBody({ text: 'a\u0007' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_message' },
    });
    expect(validateSendMessageBody({ text: 'a\udfffb' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_message' },
    });
    expect(validateSendMessageBody({ text: 'hi', clientMsgId: 'a\u0000' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_message' },
    });
    expect(validateSendMessageBody({ text: 'hi', clientMsgId: '\ud800' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_message' },
    });
    expect(validateSendMessageBody('hi')).toMatchObject({
      ok: false,
      error: { code: 'invalid_message' },
    });
  });
});
