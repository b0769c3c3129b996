import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  INCOMPATIBLE_CLIENT_MESSAGE,
  Status,
  type CommandMessage,
  type CommandResponse,
  type ConnectionRequest,
  type ConnectionResponse,
  type DisconnectRequest,
  type DisconnectResponse,
} from '#libs/protocol';
import { CABLE_MODULE_OPTIONS } from '../cable.constants.js';
import type { CableModuleOptions } from '../cable-module-options.js';
import { speaksProtocolV1, type CallMetadata } from './call-metadata.js';
import { CommandHandler } from './command.handler.js';
import { ConnectHandler } from './connect.handler.js';
import { DisconnectHandler } from './disconnect.handler.js';
import { commandResponse, connectionResponse, disconnectResponse } from './responses.js';

/**
 * The three calls of the AnyCable RPC contract, transport aside (the gRPC controller calls it; a test
 * or another transport can too). Every answer is a response: a caller without protocol v1 gets ERROR
 * "Incompatible AnyCable RPC client", and an exception in app code gets ERROR with its message,
 * logged with its stack; nothing here rejects.
 */
@Injectable()
export class CableServer {
  private readonly logger = new Logger('Cable');

  constructor(
    private readonly connectHandler: ConnectHandler,
    private readonly commandHandler: CommandHandler,
    private readonly disconnectHandler: DisconnectHandler,
    @Inject(CABLE_MODULE_OPTIONS) private readonly options: CableModuleOptions,
  ) {}

  connect(request: ConnectionRequest, metadata: CallMetadata): Promise<ConnectionResponse> {
    return this.serve('Connect', metadata, '', () => this.connectHandler.handle(request, metadata), (message) =>
      connectionResponse(Status.ERROR, { error_msg: message }),
    );
  }

  command(request: CommandMessage, metadata: CallMetadata): Promise<CommandResponse> {
    const subject = `${request.command} ${request.identifier}`;
    return this.serve('Command', metadata, subject, () => this.commandHandler.handle(request, metadata), (message) =>
      commandResponse(Status.ERROR, { error_msg: message }),
    );
  }

  disconnect(request: DisconnectRequest, metadata: CallMetadata): Promise<DisconnectResponse> {
    return this.serve('Disconnect', metadata, '', () => this.disconnectHandler.handle(request, metadata), (message) =>
      disconnectResponse(Status.ERROR, message),
    );
  }

  private async serve<R>(
    method: string,
    metadata: CallMetadata,
    subject: string,
    handle: () => Promise<R>,
    error: (message: string) => R,
  ): Promise<R> {
    if (!speaksProtocolV1(metadata)) {
      this.logger.warn(`${method} refused sid=${metadata.sid}: protov metadata ${JSON.stringify(metadata.protocolVersions)} lacks v1`);
      return error(INCOMPATIBLE_CLIENT_MESSAGE);
    }
    try {
      const run = this.options.sessionContext;
      return await (run ? run.run(metadata.sid, handle) : handle());
    } catch (caught) {
      const cause = caught instanceof Error ? caught : new Error(String(caught));
      this.logger.error(`${method} failed sid=${metadata.sid}${subject ? ` ${subject}` : ''}: ${cause.message}`, cause.stack);
      return error(cause.message || cause.name);
    }
  }
}
