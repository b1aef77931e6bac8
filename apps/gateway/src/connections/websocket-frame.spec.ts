import * as ws from 'ws';
import { textFrame } from './websocket-frame';

// ws's own framing, which @types/ws does not declare.
const { Sender } = ws as unknown as {
  Sender: { frame(data: Buffer, options: Record<string, unknown>): Buffer[] };
};

describe('textFrame', () => {
  it.each([0, 1, 125, 126, 65535, 65536, 70_000])(
    'is the frame ws itself builds for a %i-byte text payload (two-byte characters included)',
    (length) => {
      const payload = 'é'.repeat(Math.floor(length / 2)) + 'a'.repeat(length % 2);
      const expected = Buffer.concat(
        Sender.frame(Buffer.from(payload), {
          fin: true,
          rsv1: false,
          opcode: 1,
          mask: false,
          readOnly: false,
        }),
      );
      expect(textFrame(payload).equals(expected)).toBe(true);
    },
  );
});
