import { formatSseComment, formatSseEvent, formatSseRetry } from './sse-framing';

describe('SSE framing', () => {
  it('frames an event with id, type and one-line data, ended by a blank line', () => {
    expect(formatSseEvent({ id: '42', event: 'notification', data: '{"a":1}' })).toBe(
      'id: 42\nevent: notification\ndata: {"a":1}\n\n',
    );
  });

  it('splits multi-line data into one data line per line, whatever the line break', () => {
    expect(formatSseEvent({ data: 'one\ntwo\r\nthree\rfour' })).toBe(
      'data: one\ndata: two\ndata: three\ndata: four\n\n',
    );
  });

  it('keeps an empty value as one empty data line', () => {
    expect(formatSseEvent({ data: '' })).toBe('data: \n\n');
  });

  it('refuses an id or event name that would break the frame', () => {
    expect(() => formatSseEvent({ id: '1\n2', data: 'x' })).toThrow(RangeError);
    expect(() => formatSseEvent({ event: 'a\rb', data: 'x' })).toThrow(RangeError);
    expect(() => formatSseEvent({ id: 'a\0', data: 'x' })).toThrow(RangeError);
  });

  it('frames comments and retry', () => {
    expect(formatSseComment('keep-alive')).toBe(': keep-alive\n\n');
    expect(formatSseComment('a\nb')).toBe(': a\n: b\n\n');
    expect(formatSseRetry(3000)).toBe('retry: 3000\n\n');
    expect(() => formatSseRetry(1.5)).toThrow(RangeError);
  });
});
