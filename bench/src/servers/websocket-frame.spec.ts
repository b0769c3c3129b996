import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { textFrame } from './websocket-frame.js';

test('frames written raw to a server socket arrive intact at a ws client, for each payload length form', async (t) => {
  const texts = [0, 125, 126, 65_535, 65_536, 70_000].map((length) => 'é'.repeat(Math.floor(length / 2)) + 'a'.repeat(length % 2));
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  t.after(() => server.close());
  await new Promise((resolve) => server.once('listening', resolve));
  server.on('connection', (ws) => {
    const socket = (ws as unknown as { _socket: Socket })._socket;
    for (const text of texts) socket.write(textFrame(text));
  });
  const { port } = server.address() as { port: number };
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  t.after(() => client.terminate());
  const received: string[] = [];
  await new Promise<void>((resolve, reject) => {
    client.on('message', (data, isBinary) => {
      assert.equal(isBinary, false);
      received.push(data.toString());
      if (received.length === texts.length) resolve();
    });
    client.on('error', reject);
  });
  assert.deepEqual(received.map((text) => text.length), texts.map((text) => text.length));
  assert.deepEqual(received, texts);
});
