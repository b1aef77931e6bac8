import { parseClientFrame, validateEditMessageBody } from './client-frames';

describe('edit and delete frames', () => {
  it('accepts an edit and a delete of a message id in a room', () => {
    expect(parseClientFrame('{"type":"edit","room":"r","id":"42","text":"fixed\\ttext"}')).toEqual({
      ok: true,
      frame: { type: 'edit', room: 'r', id: '42', text: 'fixed\ttext' },
    });
    expect(parseClientFrame('{"type":"delete","room":"r","id":"9223372036854775807"}')).toEqual({
      ok: true,
      frame: { type: 'delete', room: 'r', id: '9223372036854775807' },
    });
  });

  it.each([
    ['a number id', { type: 'edit', room: 'r', id: 42, text: 'x' }],
    ['an id with a leading zero', { type: 'delete', room: 'r', id: '042' }],
    ['an id of 20 digits', { type: 'delete', room: 'r', id: '1'.repeat(20) }],
    ['no text', { type: 'edit', room: 'r', id: '1' }],
    ['a control character', { type: 'edit', room: 'r', id: '1', text: 'a\u0000' }],
    ['a lone surrogate', { type: 'edit', room: 'r', id: '1', text: '\ud800' }],
    ['an unknown field', { type: 'delete', room: 'r', id: '1', text: 'x' }],
    ['a bad room', { type: 'delete', room: 'a b', id: '1' }],
  ])('refuses %s with invalid_message', (_, frame) => {
    expect(parseClientFrame(JSON.stringify(frame))).toMatchObject({
      ok: false,
      error: { code: 'invalid_message' },
    });
  });

  it('refuses an edit longer than a message may be with too_long, on the WebSocket and over HTTP', () => {
    const text = 'x'.repeat(4001);
    expect(parseClientFrame(JSON.stringify({ type: 'edit', room: 'r', id: '1', text }))).toEqual({
      ok: false,
      error: { code: 'too_long', message: 'text is 4001 characters; the limit is 4000' },
    });
    expect(validateEditMessageBody({ text })).toMatchObject({
      ok: false,
      error: { code: 'too_long' },
    });
    expect(validateEditMessageBody({ text: 'x'.repeat(4000) })).toEqual({
      ok: true,
      body: { text: 'x'.repeat(4000) },
    });
    expect(validateEditMessageBody({ text: 'x', clientMsgId: 'a' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_message' },
    });
  });
});
