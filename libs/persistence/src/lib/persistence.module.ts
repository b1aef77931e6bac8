import { DynamicModule, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createDataSource, SchemaNotMigratedError } from './data-source';
import { MessageStore } from './message-store';
import { NotificationStore } from './notification-store';
import { ReadStateStore } from './read-state-store';
import { RoomStore } from './room-store';
import { UserStore } from './user-store';

export interface PersistenceOptions {
  databaseUrl: string;
  /** `run` applies pending migrations at start (single-process mode); `verify` refuses to start if any are pending. */
  migrations: 'run' | 'verify';
  poolSize?: number;
}

const PERSISTENCE_OPTIONS = Symbol('PERSISTENCE_OPTIONS');

@Injectable()
class DataSourceLifecycle implements OnApplicationShutdown {
  constructor(private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

async function openDataSource(options: PersistenceOptions): Promise<DataSource> {
  const dataSource = createDataSource(options.databaseUrl, options.poolSize);
  try {
    await dataSource.initialize();
  } catch (error) {
    throw new Error(`cannot reach PostgreSQL at DATABASE_URL: ${(error as Error).message}`);
  }
  try {
    if (options.migrations === 'run') {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      if (applied.length)
        new Logger('Persistence').log(
          `applied migrations: ${applied.map((m) => m.name).join(', ')}`,
        );
    } else if (await dataSource.showMigrations()) {
      throw new SchemaNotMigratedError();
    }
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}

/** PostgreSQL through TypeORM: the data source, checked against migrations at start, and the stores over it. */
@Module({})
export class PersistenceModule {
  static forRoot(options: PersistenceOptions): DynamicModule {
    return {
      module: PersistenceModule,
      global: true,
      providers: [
        { provide: PERSISTENCE_OPTIONS, useValue: options },
        {
          provide: DataSource,
          inject: [PERSISTENCE_OPTIONS],
          useFactory: (opts: PersistenceOptions) => openDataSource(opts),
        },
        DataSourceLifecycle,
        MessageStore,
        NotificationStore,
        ReadStateStore,
        RoomStore,
        UserStore,
      ],
      exports: [DataSource, MessageStore, NotificationStore, ReadStateStore, RoomStore, UserStore],
    };
  }
}
