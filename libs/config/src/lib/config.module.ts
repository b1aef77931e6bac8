import { DynamicModule, Global, Module } from '@nestjs/common';
import { SwitchboardConfig } from './switchboard-config';

/** Makes one validated `SwitchboardConfig` injectable everywhere in an application. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: SwitchboardConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: SwitchboardConfig, useValue: config }],
      exports: [SwitchboardConfig],
    };
  }
}
