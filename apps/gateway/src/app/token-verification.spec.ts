import { INestApplication } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { TokenVerifier } from '@switchboard/auth';
import { signTestToken, testConfig } from '@switchboard/testing';
import { createGatewayApp } from './gateway-app.module';

// A connection's token is verified once, at its handshake: the gateway keeps no verified tokens,
// which would cost an entry per connection for the rare reconnect to the same instance.
describe('gateway token verification', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await createGatewayApp(testConfig('gateway'), {}, { shutdownHooks: false });
  });

  afterAll(() => app.close());

  it('verifies a token again at every handshake instead of answering it from memory', async () => {
    const verifyAsync = jest.spyOn(app.get(JwtService), 'verifyAsync');
    const verifier = app.get(TokenVerifier);
    const token = signTestToken('returning');
    for (let n = 0; n < 2; n++) {
      await expect(verifier.verify(token)).resolves.toEqual({ id: 'returning', name: 'returning' });
    }
    expect(verifyAsync).toHaveBeenCalledTimes(2);
  });
});
