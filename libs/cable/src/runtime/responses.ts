import { Status, type CommandResponse, type ConnectionResponse, type DisconnectResponse } from '#libs/protocol';

/** A CommandResponse with every field at its default, overridden by `fields`. */
export function commandResponse(status: Status, fields: Partial<CommandResponse> = {}): CommandResponse {
  return {
    status,
    disconnect: false,
    stop_streams: false,
    streams: [],
    transmissions: [],
    error_msg: '',
    env: null,
    stopped_streams: [],
    presence: null,
    ...fields,
  };
}

/** A ConnectionResponse with every field at its default, overridden by `fields`. */
export function connectionResponse(status: Status, fields: Partial<ConnectionResponse> = {}): ConnectionResponse {
  return { status, identifiers: '', transmissions: [], error_msg: '', env: null, ...fields };
}

/** A DisconnectResponse. */
export function disconnectResponse(status: Status, errorMessage = ''): DisconnectResponse {
  return { status, error_msg: errorMessage };
}
