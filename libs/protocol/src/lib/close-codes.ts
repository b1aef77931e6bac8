/**
 * Close codes of a handshake the gateway refused: the HTTP status plus 4000, because browsers cannot
 * read the status of a failed upgrade but do see the close code of an open socket. `unauthorized`: a
 * missing, malformed, badly signed or expired token; `forbidden`: an origin outside ALLOWED_ORIGINS.
 */
export const HANDSHAKE_CLOSE_CODES = { unauthorized: 4401, forbidden: 4403 } as const;

export type HandshakeCloseCodes = typeof HANDSHAKE_CLOSE_CODES;
export type HandshakeRefusal = keyof HandshakeCloseCodes;
export type HandshakeCloseCode = HandshakeCloseCodes[HandshakeRefusal];
