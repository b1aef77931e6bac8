import { checkedParameter } from '@switchboard/http';
import { isValidRoom, userId } from '@switchboard/protocol';

/** A `:room` path parameter; a bad one is 400 `invalid_parameter` naming it. */
export function roomParameter(room: string): string {
  return checkedParameter('room', room, isValidRoom, 'must match ^[A-Za-z0-9_.:-]{1,64}$');
}

/** A `:userId` path parameter, with the rule of every user id. */
export function userIdParameter(value: string): string {
  return checkedParameter(
    'userId',
    value,
    (candidate) => userId.safeParse(candidate).success,
    'must be 1-255 characters of valid Unicode without control characters',
  );
}
