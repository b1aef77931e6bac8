import { DynamicModule, Module } from '@nestjs/common';
import { JwtModule, JwtService } from '@nestjs/jwt';
import { createSecretKey } from 'node:crypto';
import { JwtAuthGuard, ServiceApiKeyGuard } from './guards';
import { TokenVerifier, VERIFIED_TOKENS_KEPT } from './token-verifier';

export interface AuthOptions {
  jwtSecret: string;
  /** Verified tokens answered from memory until their exp (default VERIFIED_TOKENS_KEPT); 0 keeps none. */
  verifiedTokensKept?: number;
}

@Module({})
export class AuthModule {
  static forRoot(options: AuthOptions): DynamicModule {
    return {
      module: AuthModule,
      global: true,
      // A KeyObject, not the string: given a string, jsonwebtoken first tries (and fails) to parse it
      // as a public key on every verify, which cost ~2 ms per handshake or HTTP request.
      imports: [JwtModule.register({ secret: createSecretKey(Buffer.from(options.jwtSecret)) })],
      providers: [
        {
          provide: TokenVerifier,
          useFactory: (jwt: JwtService) =>
            new TokenVerifier(jwt, options.verifiedTokensKept ?? VERIFIED_TOKENS_KEPT),
          inject: [JwtService],
        },
        JwtAuthGuard,
        ServiceApiKeyGuard,
      ],
      exports: [TokenVerifier, JwtAuthGuard, ServiceApiKeyGuard],
    };
  }
}
