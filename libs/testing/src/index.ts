export { useInstances } from './lib/instances';
export type { Instances } from './lib/instances';
export { freePort, OwnRedisServer } from './lib/own-redis-server';
export { listen } from './lib/running-app';
export { SseTestClient } from './lib/sse-test-client';
export type { SseEvent } from './lib/sse-test-client';
export {
  signTestToken,
  TEST_JWT_SECRET,
  TEST_SERVICE_API_KEY,
  testConfig,
  uniqueRoom,
} from './lib/test-config';
export { waitFor } from './lib/wait-for';
export { WsTestClient } from './lib/ws-test-client';
export { CapturedLogs } from './lib/captured-logs';
export { namedJsonContent, openApiProblems } from './lib/openapi-problems';
export type { OpenApiDocument } from './lib/openapi-problems';
