// Type-checked against the installed package's .d.ts (strict, skipLibCheck off, no @types) as
// CommonJS (copied to .cts), ESM (.mts, NodeNext resolution) and through a bundler's resolution.
// The expected errors below fail the check if the declarations were missing or degraded to `any`.
import {
  SwitchboardClient,
  SwitchboardError,
  type ClientEvents,
  type ConnectionState,
  type JoinResult,
  type SwitchboardClientOptions,
} from '@switchboard/client';

type Message = Parameters<ClientEvents['message']>[0];

export async function typedUse(options: SwitchboardClientOptions): Promise<number> {
  const client = new SwitchboardClient(options);
  const states: ConnectionState[] = [];
  client.on('state', (state) => states.push(state));
  client.on('message', (message: Message) => {
    const text: string = message.text;
    const seq: number = message.seq;
    return `${text}@${seq}`;
  });
  client.on('error', (error: SwitchboardError) => {
    const code: SwitchboardError['code'] = error.code;
    return code;
  });
  // @ts-expect-error: not an error code
  const bogus: SwitchboardError['code'] = 'no_such_code';
  // @ts-expect-error: not an event the client emits
  client.on('no-such-event', () => undefined);
  await client.connect();
  const joined: JoinResult = await client.join('lobby');
  // @ts-expect-error: a room id is a string
  await client.join(42);
  const ack = await client.send('lobby', 'hi');
  // @ts-expect-error: an ack's seq is a number
  const wrong: string = ack.seq;
  try {
    await client.send('lobby', '');
  } catch (error) {
    if (error instanceof SwitchboardError) return error.code.length;
  }
  client.close();
  return joined.members.length + ack.seq + wrong.length + bogus.length;
}
