import { Injectable, Logger } from '@nestjs/common';
import { Status, type DisconnectRequest, type DisconnectResponse } from '#libs/protocol';
import { readCableRequest, type CableRequest } from '../context/cable-request.js';
import { ChannelCall } from '../context/channel-call.js';
import type { DisconnectContext } from '../context/connect-context.js';
import { parseIdentifiers } from '../identifiers.js';
import { PersistedState } from '../state/persisted-state.js';
import { CableExplorer } from './cable.explorer.js';
import type { CallMetadata } from './call-metadata.js';
import { parseChannelIdentifier } from './channel-identifier.js';
import { disconnectResponse } from './responses.js';

/**
 * Disconnect: runs `unsubscribed` of every subscription the session still had, each with its own
 * state (Disconnect's `istate` maps each identifier to its JSON-encoded state map), then the
 * connection's `disconnect`. One failing hook does not keep the others from running; any failure
 * makes the answer ERROR.
 */
@Injectable()
export class DisconnectHandler {
  private readonly logger = new Logger('Cable');

  constructor(private readonly explorer: CableExplorer) {}

  async handle(request: DisconnectRequest, metadata: CallMetadata): Promise<DisconnectResponse> {
    const identifiers = parseIdentifiers(request.identifiers);
    const cableRequest = readCableRequest(request.env);
    const connectionState = PersistedState.fromStringMap(request.env?.cstate);
    const failures: string[] = [];
    for (const identifier of request.subscriptions) {
      await this.attempt(`unsubscribed ${identifier}`, metadata, failures, () =>
        this.unsubscribe(identifier, request.env?.istate?.[identifier], identifiers, connectionState, cableRequest, metadata),
      );
    }
    const connection = this.explorer.connection();
    if (connection.instance.disconnect) {
      const context: DisconnectContext = {
        sid: metadata.sid,
        request: cableRequest,
        identifiers,
        state: connectionState.value,
        subscriptions: [...request.subscriptions],
      };
      await this.attempt('disconnect', metadata, failures, () => connection.instance.disconnect!(context));
    }
    return failures.length === 0 ? disconnectResponse(Status.SUCCESS) : disconnectResponse(Status.ERROR, failures.join('; '));
  }

  /** Runs one hook of the disconnect; a failure is logged and added to `failures`, and the next hooks still run. */
  private async attempt(what: string, metadata: CallMetadata, failures: string[], hook: () => unknown): Promise<void> {
    try {
      await hook();
    } catch (error) {
      const cause = error instanceof Error ? error : new Error(String(error));
      this.logger.error(`${what} failed on disconnect sid=${metadata.sid}: ${cause.message}`, cause.stack);
      failures.push(`${what}: ${cause.message}`);
    }
  }

  private async unsubscribe(
    identifier: string,
    encodedState: string | undefined,
    identifiers: Record<string, unknown>,
    connectionState: PersistedState<Record<string, unknown>>,
    request: CableRequest,
    metadata: CallMetadata,
  ): Promise<void> {
    const parsed = parseChannelIdentifier(identifier);
    const channel = parsed.ok ? this.explorer.channel(parsed.channel) : undefined;
    if (!parsed.ok || !channel) {
      // Nothing of ours ever subscribed it (the gateway only lists confirmed subscriptions): nothing to run.
      this.logger.warn(`disconnect skips subscription sid=${metadata.sid} identifier=${identifier}: ${parsed.ok ? 'unknown channel' : parsed.reason}`);
      return;
    }
    let state = PersistedState.fromEncodedStringMap(encodedState);
    if (!state) {
      this.logger.warn(`disconnect: unreadable state of sid=${metadata.sid} identifier=${identifier}; unsubscribed runs with an empty state`);
      state = PersistedState.fromStringMap({});
    }
    const call = new ChannelCall({
      sid: metadata.sid,
      identifier,
      channel: parsed.channel,
      params: parsed.params,
      identifiers,
      state,
      connectionState,
      request,
    });
    await channel.instance.unsubscribed?.(call);
  }
}
