/** Limits every Switchboard server enforces; clients may check them before sending. */
export const PROTOCOL_LIMITS = {
  /** A room id: letters, digits and `_ . : -`, 1 to 64 characters. */
  roomPattern: /^[A-Za-z0-9_.:-]{1,64}$/,
  maxTextLength: 4000,
  maxClientMsgIdLength: 64,
  /** A user id (a token's `sub`) and a display name (its `name`). */
  maxUserIdLength: 255,
  maxUserNameLength: 255,
  /** A larger WebSocket frame closes the socket with 1009. */
  maxFrameBytes: 64 * 1024,
  /** Messages returned on `join` without `since`. */
  joinHistory: 50,
  /** Messages returned at most on `join` with `since`; beyond it the reply says `more: true`. */
  resumeLimit: 500,
  pageDefault: 50,
  pageMax: 100,
  /** Long polling: the longest a request is held, below the usual 60 s idle timeout of proxies. */
  longPollMaxWaitSeconds: 30,
  /** User ids in one `presence` request. */
  maxPresenceUsers: 100,
} as const;
