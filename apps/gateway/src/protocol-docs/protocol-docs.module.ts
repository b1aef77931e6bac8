import { Module } from '@nestjs/common';
import { ProtocolDocsController } from './protocol-docs.controller';

/** The machine-readable description of the WebSocket protocol. */
@Module({ controllers: [ProtocolDocsController] })
export class ProtocolDocsModule {}
