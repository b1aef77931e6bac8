import { optionalIntegerParameter } from '@switchboard/http';

/** The longest a client may ask a request to be held: below the usual 60 s idle timeout of proxies. */
export const LONG_POLL_MAX_WAIT_SECONDS = 30;

/**
 * The `wait` query parameter in milliseconds: 1 to 30 s holds the request, 0 or absent answers at
 * once (short polling, `undefined`); anything else is a 400 naming `wait`.
 */
export function waitParameter(raw: unknown): number | undefined {
  const seconds = optionalIntegerParameter('wait', raw, {
    min: 0,
    max: LONG_POLL_MAX_WAIT_SECONDS,
  });
  return seconds === undefined || seconds === 0 ? undefined : seconds * 1000;
}
