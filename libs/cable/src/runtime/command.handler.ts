import { Inject, Injectable, Logger } from '@nestjs/common';
import { Status, type CommandMessage, type CommandResponse, type StringMap } from '#libs/protocol';
import { CABLE_MODULE_OPTIONS } from '../cable.constants.js';
import type { CableModuleOptions } from '../cable-module-options.js';
import { readCableRequest } from '../context/cable-request.js';
import { ChannelCall } from '../context/channel-call.js';
import { PRESENCE_STREAM_KEY } from '../context/channel-presence.js';
import { parseIdentifiers } from '../identifiers.js';
import { parseJsonObject } from '../json.js';
import { PersistedState } from '../state/persisted-state.js';
import { DEFAULT_VALIDATOR_OPTIONS, prepareActionData } from './action-data.js';
import type { ActionErrorMessage } from './action-error.js';
import { CableExplorer, type RegisteredChannel } from './cable.explorer.js';
import type { CallMetadata } from './call-metadata.js';
import { parseChannelIdentifier } from './channel-identifier.js';
import { commandResponse } from './responses.js';
import {
  confirmSubscriptionTransmission,
  rejectSubscriptionTransmission,
  subscriptionMessageTransmission,
} from './transmissions.js';

/**
 * Command: subscribe / unsubscribe / message for one subscription. Refusals (bad identifier, unknown
 * channel or action, invalid data, a rejecting `subscribed`) are FAILURE with the matching
 * transmission, never ERROR (anycable-go stops serving a session whose subscribe got ERROR).
 */
@Injectable()
export class CommandHandler {
  private readonly logger = new Logger('Cable');

  constructor(
    private readonly explorer: CableExplorer,
    @Inject(CABLE_MODULE_OPTIONS) private readonly options: CableModuleOptions,
  ) {}

  async handle(request: CommandMessage, metadata: CallMetadata): Promise<CommandResponse> {
    const { command, identifier } = request;
    if (command !== 'subscribe' && command !== 'unsubscribe' && command !== 'message') {
      this.logger.warn(`unknown command ${JSON.stringify(command)} sid=${metadata.sid} identifier=${identifier}`);
      return commandResponse(Status.FAILURE);
    }
    const parsed = parseChannelIdentifier(identifier);
    const channel = parsed.ok ? this.explorer.channel(parsed.channel) : undefined;
    if (!parsed.ok || !channel) {
      const reason = parsed.ok ? `unknown channel ${JSON.stringify(parsed.channel)}` : parsed.reason;
      this.logger.warn(`${command} refused sid=${metadata.sid} identifier=${identifier}: ${reason}`);
      const transmissions = command === 'subscribe' ? [rejectSubscriptionTransmission(identifier)] : [];
      return commandResponse(Status.FAILURE, { transmissions });
    }
    const call = new ChannelCall({
      sid: metadata.sid,
      identifier,
      channel: parsed.channel,
      params: parsed.params,
      identifiers: parseIdentifiers(request.connection_identifiers),
      state: PersistedState.fromStringMap(request.env?.istate),
      presenceStream: request.env?.istate?.[PRESENCE_STREAM_KEY] || undefined,
      connectionState: PersistedState.fromStringMap(request.env?.cstate),
      request: readCableRequest(request.env),
    });
    switch (command) {
      case 'subscribe':
        return this.subscribe(channel, call);
      case 'unsubscribe':
        return this.unsubscribe(channel, call);
      case 'message':
        return this.message(channel, call, request.data);
    }
  }

  private async subscribe(channel: RegisteredChannel, call: ChannelCall): Promise<CommandResponse> {
    await channel.instance.subscribed?.(call);
    if (call.rejected) {
      this.logger.log(`subscription rejected sid=${call.sid} identifier=${call.identifier}`);
      return commandResponse(Status.FAILURE, {
        stop_streams: true,
        transmissions: [rejectSubscriptionTransmission(call.identifier)],
        env: { cstate: call.connectionStateChanges(), istate: {} },
      });
    }
    // Confirm first, so the client's subscription is connected before it receives what `subscribed` transmitted.
    return this.outcome(call, [confirmSubscriptionTransmission(call.identifier), ...call.transmissions]);
  }

  private async unsubscribe(channel: RegisteredChannel, call: ChannelCall): Promise<CommandResponse> {
    await channel.instance.unsubscribed?.(call);
    // The gateway drops the subscription's streams and state whatever we answer: only cstate matters.
    return commandResponse(Status.SUCCESS, {
      stop_streams: true,
      disconnect: call.disconnectRequested,
      env: { cstate: call.connectionStateChanges(), istate: {} },
    });
  }

  private async message(channel: RegisteredChannel, call: ChannelCall, rawData: string): Promise<CommandResponse> {
    const data = parseJsonObject(rawData);
    const actionName = data?.action;
    if (!data || typeof actionName !== 'string') {
      return this.refuseAction(call, 'malformed_data', { error: 'malformed_data' });
    }
    const action = channel.actions.get(actionName);
    if (!action) {
      return this.refuseAction(call, `unknown action ${JSON.stringify(actionName)}`, { error: 'unknown_action', action: actionName });
    }
    const { action: _action, ...payload } = data;
    const prepared = await prepareActionData(action.data, payload, this.options.validation ?? DEFAULT_VALIDATOR_OPTIONS);
    if (!prepared.ok) {
      return this.refuseAction(call, `invalid data for ${JSON.stringify(actionName)}`, {
        error: 'invalid_data',
        action: actionName,
        details: prepared.details,
      });
    }
    const method = channel.instance[action.method] as (ctx: ChannelCall, data: object) => unknown;
    await method.call(channel.instance, call, prepared.data);
    return this.outcome(call, call.transmissions);
  }

  private refuseAction(call: ChannelCall, reason: string, message: ActionErrorMessage): CommandResponse {
    this.logger.warn(`message refused sid=${call.sid} identifier=${call.identifier}: ${reason}`);
    return commandResponse(Status.FAILURE, { transmissions: [subscriptionMessageTransmission(call.identifier, message)] });
  }

  private outcome(call: ChannelCall, transmissions: string[]): CommandResponse {
    return commandResponse(Status.SUCCESS, {
      disconnect: call.disconnectRequested,
      stop_streams: call.stopAll,
      streams: [...call.streams],
      stopped_streams: call.stopAll ? [] : [...call.stoppedStreams],
      transmissions,
      env: { cstate: call.connectionStateChanges(), istate: withPresenceStream(call.stateChanges(), call.presence.streamChange()) },
      presence: call.presence.response(),
    });
  }
}

/** The `$p` istate key, raw (the gateway reads it as the presence stream), when the call named a new one. */
function withPresenceStream(istate: StringMap, stream: string | null): StringMap {
  return stream === null ? istate : { ...istate, [PRESENCE_STREAM_KEY]: stream };
}
