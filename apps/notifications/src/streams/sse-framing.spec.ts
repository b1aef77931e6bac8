import type { Notification } from '@switchboard/protocol';
import {
  formatSseComment,
  formatSseRetry,
  notificationFrame,
  notificationFrames,
} from './sse-framing';
import { sseChunk } from './sse-event-writer';

describe('SSE framing', () => {
  const notification: Notification = {
    id: '42',
    userId: 'ada "the" first',
    type: 'mention',
    title: 'line one\nline two',
    body: 'b',
    data: { room: 'r1' },
    ts: 1700000000000,
  };

  it('frames a notification with its id, event type and whole JSON on one data line', () => {
    expect(notificationFrame(notification)).toBe(
      `id: 42\nevent: notification\ndata: ${JSON.stringify(notification)}\n\n`,
    );
  });

  it('frames each recipient of a publish from the content serialized once', () => {
    const { frame: frameFor } = notificationFrames(notification);
    expect(frameFor('7', 'bob')).toBe(
      `id: 7\nevent: notification\ndata: ${JSON.stringify({ ...notification, id: '7', userId: 'bob' })}\n\n`,
    );
    expect(frameFor('8', 'carol')).toContain('"id":"8","userId":"carol","type":"mention"');
  });

  it('frames recipients sharing an id, then one with another id, each with its own ids', () => {
    const { frame: frameFor } = notificationFrames(notification);
    const frames = [frameFor('9', 'ada'), frameFor('9', 'bob'), frameFor('10', 'cy')];
    expect(frames).toEqual(
      [
        ['9', 'ada'],
        ['9', 'bob'],
        ['10', 'cy'],
      ].map(
        ([id, userId]) =>
          `id: ${id}\nevent: notification\ndata: ${JSON.stringify({ ...notification, id, userId })}\n\n`,
      ),
    );
  });

  it('chunks each recipient’s frame as sseChunk does, multi-byte users and content included', () => {
    const framer = notificationFrames({ ...notification, title: 'Grüße ∑ 🎉' });
    for (const [id, userId] of [
      ['9', 'zoë "𝓏" 👋'],
      ['9', 'ada'],
      ['10', 'ü'],
    ])
      expect(framer.chunk(id, userId)).toBe(sseChunk(framer.frame(id, userId)));
  });

  it('frames comments and retry', () => {
    expect(formatSseComment('keep-alive')).toBe(': keep-alive\n\n');
    expect(formatSseComment('a\nb')).toBe(': a\n: b\n\n');
    expect(formatSseRetry(3000)).toBe('retry: 3000\n\n');
    expect(() => formatSseRetry(1.5)).toThrow(RangeError);
  });
});
