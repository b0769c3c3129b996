import { Injectable, Logger } from '@nestjs/common';
import { Status, type ConnectionRequest, type ConnectionResponse } from '#libs/protocol';
import { readCableRequest } from '../context/cable-request.js';
import { ConnectCall } from '../context/connect-call.js';
import { PersistedState } from '../state/persisted-state.js';
import { CableExplorer } from './cable.explorer.js';
import type { CallMetadata } from './call-metadata.js';
import { connectionResponse } from './responses.js';
import { UNAUTHORIZED_TRANSMISSION, welcomeTransmission } from './transmissions.js';

/** Connect: runs the connection's `connect(ctx)` and answers welcome (with the call's sid) + identifiers, or unauthorized. */
@Injectable()
export class ConnectHandler {
  private readonly logger = new Logger('Cable');

  constructor(private readonly explorer: CableExplorer) {}

  async handle(request: ConnectionRequest, metadata: CallMetadata): Promise<ConnectionResponse> {
    const connection = this.explorer.connection();
    const call = new ConnectCall(
      metadata.sid,
      readCableRequest(request.env),
      PersistedState.fromStringMap(request.env?.cstate),
      connection.identifiedBy,
    );
    await connection.instance.connect(call);
    if (call.rejected) {
      this.logger.debug(`connection rejected sid=${metadata.sid} url=${call.request.url.pathname}`);
      return connectionResponse(Status.FAILURE, { transmissions: [UNAUTHORIZED_TRANSMISSION] });
    }
    const identifiers = call.serializedIdentifiers();
    this.logger.debug(`connected sid=${metadata.sid} identifiers=${identifiers}`);
    return connectionResponse(Status.SUCCESS, {
      identifiers,
      transmissions: [welcomeTransmission(metadata.sid)],
      env: { cstate: call.stateChanges(), istate: {} },
    });
  }
}
