import type { HttpErrorBody } from '@switchboard/protocol';

/** An HTTP call a service refused: its status and the protocol's error code. */
export class SwitchboardHttpError extends Error {
  override readonly name = 'SwitchboardHttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** GETs from one of the services with the user's token. */
export class HttpAccess {
  constructor(
    private readonly baseUrl: string | undefined,
    private readonly token: () => string | Promise<string>,
    private readonly service: string,
  ) {}

  async get(path: string): Promise<unknown> {
    if (this.baseUrl === undefined)
      throw new Error(`set the ${this.service} URL on SwitchboardProvider to use this`);
    const response = await fetch(`${this.baseUrl.replace(/\/+$/, '')}${path}`, {
      headers: { Authorization: `Bearer ${await this.token()}` },
    });
    if (response.ok) return response.json();
    let body: Partial<HttpErrorBody> = {};
    try {
      body = (await response.json()) as Partial<HttpErrorBody>;
    } catch {
      // Not the service's error body (a proxy's page): the status says enough.
    }
    throw new SwitchboardHttpError(
      response.status,
      body.code ?? 'http_error',
      body.message ?? `HTTP ${response.status}`,
    );
  }
}
