/**
 * The floor peer: a bare `ws` server that speaks just enough Action Cable for the bench clients
 * (welcome, subscribe → confirm, unsubscribe, message → echo transmission) with no RPC, and fans out
 * each Redis publication by writing one prebuilt frame per subscription to every socket.
 * It is what Node itself costs; the gateway is measured against it.
 *
 * Started by the bench as `node dist/bench/src/servers/ws-floor.server.js` with BENCH_* env.
 */
import type { Socket } from 'node:net';
import { Redis } from 'ioredis';
import { WebSocketServer, type WebSocket } from 'ws';
import { decodeBroadcast, isRemoteCommand, type Publication } from '#libs/protocol';
import { streamForIdentifier } from '../demo-channel.js';
import { exitOnSignals, readPeerServerEnv } from './server-env.js';
import { textFrame } from './websocket-frame.js';

const ACTION_CABLE_PROTOCOL = 'actioncable-v1-json';
const WELCOME = textFrame('{"type":"welcome"}');

/** stream → identifier → sockets subscribed with that identifier. */
const streams = new Map<string, Map<string, Set<WebSocket>>>();
/** socket → identifiers it is subscribed with. */
const subscriptions = new WeakMap<WebSocket, Set<string>>();

function rawSocket(ws: WebSocket): Socket {
  // ws keeps the net.Socket private; writing a prebuilt frame to it skips the per-send framing work.
  return (ws as unknown as { _socket: Socket })._socket;
}

function subscribe(ws: WebSocket, identifier: string): void {
  const own = subscriptions.get(ws) ?? new Set<string>();
  subscriptions.set(ws, own);
  if (own.has(identifier)) return; // Action Cable ignores a second subscribe to the same identifier.
  own.add(identifier);
  const stream = streamForIdentifier(identifier);
  let byIdentifier = streams.get(stream);
  if (!byIdentifier) streams.set(stream, (byIdentifier = new Map()));
  let sockets = byIdentifier.get(identifier);
  if (!sockets) byIdentifier.set(identifier, (sockets = new Set()));
  sockets.add(ws);
  rawSocket(ws).write(textFrame(JSON.stringify({ identifier, type: 'confirm_subscription' })));
}

function unsubscribe(ws: WebSocket, identifier: string): void {
  subscriptions.get(ws)?.delete(identifier);
  const stream = streamForIdentifier(identifier);
  const byIdentifier = streams.get(stream);
  const sockets = byIdentifier?.get(identifier);
  if (!byIdentifier || !sockets) return;
  sockets.delete(ws);
  if (sockets.size === 0) byIdentifier.delete(identifier);
  if (byIdentifier.size === 0) streams.delete(stream);
}

function onCommand(ws: WebSocket, raw: string): void {
  let command: { command?: unknown; identifier?: unknown; data?: unknown };
  try {
    command = JSON.parse(raw) as typeof command;
  } catch (error) {
    process.stderr.write(`ws floor: ignoring a frame that is not JSON (${(error as Error).message})\n`);
    return;
  }
  if (typeof command !== 'object' || command === null || typeof command.identifier !== 'string') return;
  const identifier = command.identifier;
  if (command.command === 'subscribe') subscribe(ws, identifier);
  else if (command.command === 'unsubscribe') unsubscribe(ws, identifier);
  else if (command.command === 'message' && subscriptions.get(ws)?.has(identifier)) {
    // The in-process stand-in for an RPC round trip: the command's data comes back as a transmission.
    rawSocket(ws).write(textFrame(JSON.stringify({ identifier, message: { echo: command.data } })));
  }
}

function fanOut(publication: Publication): void {
  const byIdentifier = streams.get(publication.stream);
  if (!byIdentifier) return;
  const message = isJson(publication.data) ? publication.data : JSON.stringify(publication.data);
  for (const [identifier, sockets] of byIdentifier) {
    const frame = textFrame(`{"identifier":${JSON.stringify(identifier)},"message":${message}}`);
    for (const ws of sockets) rawSocket(ws).write(frame);
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false; // Not JSON: the gateway sends such data as a JSON string, and so does the floor.
  }
}

function main(): void {
  const env = readPeerServerEnv();
  const wss = new WebSocketServer({
    host: env.host,
    port: env.port,
    clientTracking: false,
    perMessageDeflate: false,
    handleProtocols: (offered) => (offered.has(ACTION_CABLE_PROTOCOL) ? ACTION_CABLE_PROTOCOL : false),
  });
  wss.on('connection', (ws) => {
    rawSocket(ws).write(WELCOME);
    ws.on('message', (data) => onCommand(ws, data.toString()));
    ws.on('error', (error) => process.stderr.write(`ws floor: socket error: ${error.message}\n`));
    ws.on('close', () => {
      for (const identifier of subscriptions.get(ws) ?? []) unsubscribe(ws, identifier);
    });
  });
  const intake = new Redis(env.redisUrl, { lazyConnect: false });
  intake.on('error', (error) => process.stderr.write(`ws floor: redis error: ${error.message}\n`));
  intake.on('message', (_channel: string, raw: string) => {
    const decoded = decodeBroadcast(raw);
    if (!decoded.ok) {
      process.stderr.write(`ws floor: dropping a bad publication: ${decoded.error}\n`);
      return;
    }
    for (const message of decoded.messages) if (!isRemoteCommand(message)) fanOut(message);
  });
  wss.on('listening', () => {
    intake
      .subscribe(env.redisChannel)
      .then(() => process.stdout.write(`ws floor listening on ${env.host}:${env.port}\n`))
      .catch((error: unknown) => {
        process.stderr.write(`ws floor: cannot subscribe to ${env.redisChannel}: ${String(error)}\n`);
        process.exit(1);
      });
  });
  exitOnSignals(async () => {
    intake.disconnect();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });
}

main();
