/** Helpers of the presence tests: event frames of raw clients, events seen by @anycable/web channels. */
import type { Channel, PresenceEvent } from '@anycable/core';
import type { RawCableClient } from './cable-clients.js';

export const EXT = ['actioncable-v1-ext-json'];

/** The `message` of a presence frame. */
export type PresenceFrame = { type: string; id?: string; info?: unknown };

/** join/leave events a raw client got for `identifier`, in order. */
export function presenceEvents(client: RawCableClient, identifier: string): PresenceFrame[] {
  return client.frames
    .filter((frame): frame is Record<string, unknown> => typeof frame === 'object' && frame.type === 'presence' && frame.identifier === identifier)
    .map((frame) => frame.message as PresenceFrame)
    .filter((message) => message.type === 'join' || message.type === 'leave');
}

/** join/leave events an @anycable/web channel emits (`channel.on('presence')`), collected in order. */
export function watchPresence(channel: Channel): PresenceFrame[] {
  const seen: PresenceFrame[] = [];
  channel.on('presence', (event: PresenceEvent<unknown>) => {
    if (event.type === 'join' || event.type === 'leave') seen.push(event as PresenceFrame);
  });
  return seen;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
