/** Every error code a client can receive, on the WebSocket (`error` frame) or in an HTTP error body. */
export const ERROR_CODES = [
  'invalid_json',
  'invalid_message',
  'not_joined',
  'too_long',
  'rate_limited',
  'invalid_parameter',
  'invalid_body',
  'unauthorized',
  'not_found',
  'forbidden',
  'internal_error',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];
