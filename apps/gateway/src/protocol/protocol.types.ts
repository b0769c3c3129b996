import type { ClientCommand } from '#libs/protocol';
export type { DisconnectReason } from '#libs/protocol';
export type { PingPrecision } from '../config/gateway-config.js';

/** WebSocket close codes the gateway uses (RFC 6455). */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  TOO_BIG: 1009,
  SERVER_ERROR: 1011,
} as const;

/** A subscribe command, as one-way transports (SSE) build them from their request. */
export type SubscribeCommand = Extract<ClientCommand, { command: 'subscribe' }>;
