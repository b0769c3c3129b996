/**
 * An RPC script for presence tests: what anycable-go's conformance scenarios (etc/anyt/presence_tests)
 * ask of an RPC app. Channel `Room` follows its `stream` param and names it as the presence stream
 * (istate `$p`), so clients can join; its actions `follow` / `unfollow` join or leave on the client's
 * behalf through the answer's `presence` (proto field 9); channel `Plain` has no presence stream.
 */
import { Status, type CommandMessage, type CommandResponse } from '#libs/protocol';
import { channelOf, DEFAULT_SCRIPT, type RpcScript } from './scripted-rpc-server.js';

function streamOf(identifier: string): string {
  return String((JSON.parse(identifier) as { stream?: string }).stream ?? 'room');
}

function userOf(request: CommandMessage): string {
  return String((JSON.parse(request.connection_identifiers || '{}') as { user?: string }).user ?? '');
}

export const PRESENCE_SCRIPT: Partial<RpcScript> = {
  command: (request, call): Partial<CommandResponse> | Promise<Partial<CommandResponse>> => {
    const { identifier } = request;
    if (channelOf(identifier) !== 'Room') return DEFAULT_SCRIPT.command(request, call);
    const stream = streamOf(identifier);
    if (request.command === 'subscribe') {
      return {
        status: Status.SUCCESS,
        streams: [stream],
        env: { cstate: {}, istate: { $p: stream } },
        transmissions: [JSON.stringify({ identifier, type: 'confirm_subscription' })],
      };
    }
    if (request.command === 'message') {
      const data = JSON.parse(request.data) as { action: string; name?: string };
      if (data.action === 'follow') {
        return { status: Status.SUCCESS, presence: { type: 'join', id: userOf(request), info: JSON.stringify({ name: data.name }), ttl: 0 } };
      }
      if (data.action === 'unfollow') return { status: Status.SUCCESS, presence: { type: 'leave', id: '', info: '', ttl: 0 } };
    }
    return { status: Status.SUCCESS };
  },
};
