// An outside Node app using the installed package through `import`, with no `createSocket`: on Node
// 20 (no global WebSocket) the client must find the optional peer `ws` itself. Joins SB_ROOM, sends
// one message, waits for SB_REPLY from another user, prints what it saw as JSON and exits.
import { SwitchboardClient } from '@switchboard/client';

const { SB_URL, SB_TOKEN, SB_ROOM, SB_REPLY } = process.env;
const client = new SwitchboardClient({ url: SB_URL, token: () => SB_TOKEN });
const reply = new Promise((resolve) => {
  client.on('message', (message) => {
    if (message.text === SB_REPLY) resolve(message);
  });
});
await client.connect();
const joined = await client.join(SB_ROOM);
const ack = await client.send(SB_ROOM, 'hello from node-esm');
const received = await reply;
client.close();
console.log(JSON.stringify({ members: joined.members.length, sentSeq: ack.seq, received }));
