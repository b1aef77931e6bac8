// jsdom as in a browser, plus the Node globals the real services booted in the same process need
// (express, pg, Nest: text codecs, timers with unref) and that the SDK's notification stream uses (fetch and its streams, which a
// browser has too). AbortController comes from Node so that its signals are the ones fetch accepts.
const { TestEnvironment } = require('jest-environment-jsdom');

const NODE_GLOBALS = [
  // Node's timers: the services unref theirs (jsdom's return numbers).
  'setTimeout',
  'clearTimeout',
  'setInterval',
  'clearInterval',
  'TextEncoder',
  'TextDecoder',
  'setImmediate',
  'clearImmediate',
  'fetch',
  'Request',
  'Response',
  'Headers',
  'FormData',
  'ReadableStream',
  'WritableStream',
  'TransformStream',
  'AbortController',
  'AbortSignal',
  'structuredClone',
  'BroadcastChannel',
  'MessageChannel',
  'performance',
];

class JsdomWithNodeGlobals extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of NODE_GLOBALS) this.global[name] = globalThis[name];
  }
}

module.exports = JsdomWithNodeGlobals;
