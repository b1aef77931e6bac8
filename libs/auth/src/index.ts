export { AuthModule } from './lib/auth.module';
export type { AuthOptions } from './lib/auth.module';
export { CurrentUser, JwtAuthGuard, ServiceApiKeyGuard } from './lib/guards';
export {
  extractToken,
  InvalidTokenError,
  isOriginAllowed,
  TokenVerifier,
} from './lib/token-verifier';
export type { AuthenticatedUser } from './lib/token-verifier';
