import { DynamicModule, Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { createSecretKey } from 'node:crypto';
import { JwtAuthGuard, ServiceApiKeyGuard } from './guards';
import { TokenVerifier } from './token-verifier';

export interface AuthOptions {
  jwtSecret: string;
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
      providers: [TokenVerifier, JwtAuthGuard, ServiceApiKeyGuard],
      exports: [TokenVerifier, JwtAuthGuard, ServiceApiKeyGuard],
    };
  }
}
