import { DynamicModule, Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
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
      imports: [JwtModule.register({ secret: options.jwtSecret })],
      providers: [TokenVerifier, JwtAuthGuard, ServiceApiKeyGuard],
      exports: [TokenVerifier, JwtAuthGuard, ServiceApiKeyGuard],
    };
  }
}
