import { ZodParameterPipe } from '@switchboard/http';
import { roomParameter, userIdParameter } from '@switchboard/protocol';

/** `@Param('room', validRoom)`: a bad room id is 400 `invalid_parameter` naming `room`. */
export const validRoom = new ZodParameterPipe(roomParameter);

/** `@Param('userId', validUserId)`: the rule of every user id. */
export const validUserId = new ZodParameterPipe(userIdParameter);
