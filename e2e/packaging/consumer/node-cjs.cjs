// The same as node-esm.mjs through `require`, the package's CommonJS entry.
const { SwitchboardClient } = require('@switchboard/client');

async function main() {
  const { SB_URL, SB_TOKEN, SB_ROOM, SB_REPLY } = process.env;
  const client = new SwitchboardClient({ url: SB_URL, token: () => SB_TOKEN });
  const reply = new Promise((resolve) => {
    client.on('message', (message) => {
      if (message.text === SB_REPLY) resolve(message);
    });
  });
  await client.connect();
  const joined = await client.join(SB_ROOM);
  const ack = await client.send(SB_ROOM, 'hello from node-cjs');
  const received = await reply;
  client.close();
  console.log(JSON.stringify({ members: joined.members.length, sentSeq: ack.seq, received }));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
