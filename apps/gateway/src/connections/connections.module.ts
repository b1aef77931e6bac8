import { Module } from '@nestjs/common';
import { HandshakeAuthenticator } from './handshake-authenticator';
import { HeartbeatService } from './heartbeat.service';
import { SessionRegistry } from './session-registry';

@Module({
  providers: [HandshakeAuthenticator, SessionRegistry, HeartbeatService],
  exports: [HandshakeAuthenticator, SessionRegistry],
})
export class ConnectionsModule {}
