// A busy machine on demand, for shaking out tests that race:
//   NODE_OPTIONS="--require $PWD/tools/testing/event-loop-stalls.js" npx jest <spec>
// Every Jest process then blocks its event loop for a random 0..STALL_MAX_MS (default 100) every
// STALL_EVERY_MS (default 50), as when other work holds the cores: timers fire late and replies queue.
const maxStallMs = Number(process.env.STALL_MAX_MS || 100);
const everyMs = Number(process.env.STALL_EVERY_MS || 50);

setInterval(() => {
  const until = Date.now() + Math.random() * maxStallMs;
  while (Date.now() < until);
}, everyMs).unref();
