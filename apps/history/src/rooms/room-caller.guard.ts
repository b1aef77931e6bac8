import {
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { AuthenticatedUser, JwtAuthGuard, ServiceApiKeyGuard } from '@switchboard/auth';
import { RoomCaller } from '@switchboard/room-access';
import type { IncomingMessage } from 'node:http';

type CallerRequest = IncomingMessage & { user?: AuthenticatedUser; roomCaller?: RoomCaller };

/**
 * The member routes take either credential: a request with `X-Api-Key` is another server's (the key
 * must then be right: a wrong one is 401, never a fallback to the token), any other needs a JWT,
 * and whether that user may act on the room is the policy's decision.
 */
@Injectable()
export class RoomCallerGuard implements CanActivate {
  constructor(
    private readonly serviceKey: ServiceApiKeyGuard,
    private readonly jwt: JwtAuthGuard,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<CallerRequest>();
    if (request.headers['x-api-key'] !== undefined) {
      this.serviceKey.canActivate(context);
      request.roomCaller = { kind: 'service' };
      return true;
    }
    await this.jwt.canActivate(context);
    request.roomCaller = { kind: 'user', userId: (request.user as AuthenticatedUser).id };
    return true;
  }
}

/** Who called a route behind `RoomCallerGuard`. */
export const Caller = createParamDecorator((_: unknown, context: ExecutionContext): RoomCaller => {
  const caller = context.switchToHttp().getRequest<CallerRequest>().roomCaller;
  if (!caller)
    throw new UnauthorizedException({ code: 'unauthorized', message: 'not authenticated' });
  return caller;
});
