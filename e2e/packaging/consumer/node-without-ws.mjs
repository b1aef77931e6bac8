// An outside Node 20 app that installed the SDK without its optional peer `ws` and passes no
// `createSocket`: connect() must fail once, saying what to install or pass, not retry for ever.
import { SwitchboardClient } from '@switchboard/client';

const client = new SwitchboardClient({ url: process.env.SB_URL, token: () => 'unused' });
const states = [];
client.on('state', (state) => states.push(state));
try {
  await client.connect();
  console.log(JSON.stringify({ connected: true, states }));
} catch (error) {
  console.log(
    JSON.stringify({ error: error instanceof Error ? error.message : String(error), states }),
  );
}
client.close();
