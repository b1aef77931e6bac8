// A browser app's entry, bundled from the installed package with esbuild (platform browser): the
// test reads its settings from the page's hash and its outcome from `window.switchboardResult`.
import { SwitchboardClient, type ClientEvents } from '@switchboard/client';

type Message = Parameters<ClientEvents['message']>[0];

declare global {
  interface Window {
    switchboardResult?: { sentSeq: number; received: Message } | { error: string };
  }
}

async function run(): Promise<void> {
  const settings = new URLSearchParams(location.hash.slice(1));
  const room = settings.get('room') ?? '';
  const replyText = settings.get('reply') ?? '';
  const client = new SwitchboardClient({
    url: settings.get('url') ?? '',
    token: () => settings.get('token') ?? '',
  });
  const reply = new Promise<Message>((resolve) => {
    client.on('message', (message) => {
      if (message.text === replyText) resolve(message);
    });
  });
  await client.connect();
  await client.join(room);
  const ack = await client.send(room, 'hello from the browser');
  const received = await reply;
  client.close();
  window.switchboardResult = { sentSeq: ack.seq, received };
}

run().catch((error: unknown) => {
  window.switchboardResult = { error: String(error) };
});
