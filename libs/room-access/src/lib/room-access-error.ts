/**
 * A room operation refused: `forbidden` (the caller may not, or the room does not exist for them:
 * the two look the same), `not_found` (the service key asked about a room that does not exist),
 * `direct_room` (a direct room's access and members never change), `direct_with_self`.
 */
export class RoomAccessError extends Error {
  override readonly name = 'RoomAccessError';
  constructor(
    readonly reason: 'forbidden' | 'not_found' | 'direct_room' | 'direct_with_self',
    message: string,
  ) {
    super(message);
  }
}

/** The one refusal for a room a user may not use, whether or not it exists. */
export function roomForbidden(room: string): RoomAccessError {
  return new RoomAccessError('forbidden', `you may not use room ${room}`);
}
