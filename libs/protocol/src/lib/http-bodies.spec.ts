import { describeIssues } from './client-frames';
import { publishNotificationsBody } from './http-bodies';

/** What a publish's body pipe answers: the parsed body, or the message of its 400 `invalid_body`. */
function validatePublish(
  value: unknown,
): { ok: true; body: unknown } | { ok: false; message: string } {
  const result = publishNotificationsBody.safeParse(value);
  return result.success
    ? { ok: true, body: result.data }
    : { ok: false, message: describeIssues(result.error) };
}

describe('publishNotificationsBody', () => {
  const valid = { userIds: ['ada'], type: 'mention', title: 'Hi 👋', body: 'You were mentioned' };

  it('accepts a publish whose strings are valid Unicode, surrogate pairs included', () => {
    expect(validatePublish({ ...valid, data: { '👋': ['x', { y: '😀' }] } })).toEqual({
      ok: true,
      body: { ...valid, data: { '👋': ['x', { y: '😀' }] } },
    });
  });

  // PostgreSQL cannot hold a lone surrogate: text columns would store U+FFFD, jsonb refuses it (a 500).
  it.each([
    ['a user id', { userIds: ['ada', 'b\ud800'] }],
    ['type', { type: '\udfff' }],
    ['title', { title: 'a\udfffb' }],
    ['body', { body: '\ud800' }],
    ['a string deep in data', { data: { list: [1, { text: 'x\ud800' }] } }],
    ['a key in data', { data: { nested: { '\udc00': 1 } } }],
  ])('refuses a lone surrogate in %s ', (_label, change) => {
    expect(validatePublish({ ...valid, ...change })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/valid Unicode/) as string,
    });
  });

  // PostgreSQL cannot hold NUL: text columns refuse the byte, jsonb the `\u0000` escape (a 500).
  it.each([
    ['a user id', { userIds: ['ada', 'b\u0000'] }],
    ['type', { type: 'mention\u0000' }],
    ['title', { title: '\u0000' }],
    ['body', { body: 'a\u0000b' }],
    ['a string deep in data', { data: { list: [1, { text: 'x\u0000' }] } }],
    ['a key in data', { data: { nested: { 'k\u0000': 1 } } }],
  ])('refuses NUL in %s ', (_label, change) => {
    expect(validatePublish({ ...valid, ...change })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/NUL|control characters/) as string,
    });
  });

  it('refuses control characters in user ids and type, and keeps them in title, body and data', () => {
    for (const change of [{ userIds: ['a\nb'] }, { userIds: ['a\u007f'] }, { type: 'a\tb' }]) {
      expect(validatePublish({ ...valid, ...change })).toMatchObject({
        ok: false,
        message: expect.stringMatching(/control characters/) as string,
      });
    }
    const multiline = {
      ...valid,
      title: 'a\tb',
      body: 'line 1\r\nline 2\u0007',
      data: { x: '\u001b' },
    };
    expect(validatePublish(multiline)).toEqual({ ok: true, body: multiline });
  });

  it('walks deeply nested data without overflowing the stack', () => {
    let data: unknown = '\ud800';
    for (let depth = 0; depth < 100_000; depth++) data = [data];
    expect(validatePublish({ ...valid, data })).toMatchObject({ ok: false });
  });
});
