/**
 * A complete server-to-client WebSocket text frame (FIN, unmasked, no extension bits) around
 * `payload` (encoded straight into the frame): built once per broadcast and written as is to every member's socket, instead of
 * `ws` framing the same payload again for each of them.
 */
export function textFrame(payload: string): Buffer {
  const length = Buffer.byteLength(payload);
  const headerLength = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x81;
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  frame.write(payload, headerLength);
  return frame;
}
