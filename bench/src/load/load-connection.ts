import { WebSocket } from 'ws';
import { nowMicros } from '../clock.js';
import type { Stamp } from '../stamped-payload.js';
import type { ClientProtocol, SubscriptionTarget } from './client-protocol.js';

/** What a connection tells the worker that owns it. */
export interface ConnectionListener {
  subscribed(connection: LoadConnection, connectMs: number): void;
  failed(connection: LoadConnection, reason: string): void;
  broadcast(connection: LoadConnection, stamp: Stamp): void;
  /** A command round trip finished (the answer to a message, or a cycle's subscribe confirmation). */
  answered(connection: LoadConnection): void;
  dropped(connection: LoadConnection, reason: string): void;
}

/** Largest frame a load client accepts; the bench's payloads are far below it. */
const MAX_PAYLOAD_BYTES = 1 << 20;

/**
 * One load client: opens its socket, subscribes once the server says it is ready, then reports
 * broadcasts and command answers. Kept small, since a worker holds thousands of them.
 */
export class LoadConnection {
  state: 'connecting' | 'subscribed' | 'closed' = 'connecting';
  /** Highest broadcast sequence number seen, for duplicate and order checks. */
  lastSeq = -1;
  /** True while a command round trip is outstanding in the rpc scenario. */
  awaitingAnswer = false;
  /** Set by the worker while this connection runs commands. */
  inCommandLoop = false;
  /** Set while a steady-commands run reads this connection's frames first; true when it took the frame. */
  frameTap: ((frame: string) => boolean) | null = null;
  /** Called when the socket closes after subscribing (the steady-commands run counts drops). */
  closeTap: (() => void) | null = null;
  private readonly startedAt = nowMicros();
  private lastError: string | undefined;
  readonly ws: WebSocket;

  constructor(
    /** Position in its worker, for names unique per connection. */
    readonly index: number,
    url: string,
    readonly protocol: ClientProtocol,
    readonly target: SubscriptionTarget,
    private readonly listener: ConnectionListener,
  ) {
    this.ws = new WebSocket(url, protocol.subprotocols, {
      perMessageDeflate: false,
      skipUTF8Validation: true,
      maxPayload: MAX_PAYLOAD_BYTES,
      handshakeTimeout: 60_000,
    });
    this.ws.on('message', (data) => this.onFrame(data.toString()));
    this.ws.on('error', (error) => {
      this.lastError = error.message;
    });
    this.ws.on('close', (code) => this.onClose(code));
  }

  send(frame: string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(frame);
  }

  /** Closes the socket at once (teardown: no close handshake for thousands of sockets). */
  terminate(): void {
    this.state = 'closed';
    this.ws.terminate();
  }

  private onFrame(frame: string): void {
    if (this.frameTap?.(frame)) return;
    const event = this.protocol.classify(frame);
    switch (event.type) {
      case 'broadcast':
        this.listener.broadcast(this, event.stamp);
        return;
      case 'respond':
        this.send(event.frame);
        return;
      case 'ready':
        if (this.state === 'connecting') this.send(this.protocol.subscribeFrame(this.target, 0));
        return;
      case 'subscribed':
      case 'reply':
        if (this.state === 'connecting' && event.type === 'subscribed') {
          this.state = 'subscribed';
          this.listener.subscribed(this, (nowMicros() - this.startedAt) / 1e3);
        } else if (this.awaitingAnswer) {
          this.awaitingAnswer = false;
          this.listener.answered(this);
        }
        return;
      case 'rejected':
      case 'disconnect':
        if (this.state === 'connecting') this.fail(event.reason);
        return;
      case 'ignore':
        return;
    }
  }

  private onClose(code: number): void {
    const reason = this.lastError ?? `closed by the server (code ${code})`;
    if (this.state === 'connecting') this.fail(reason);
    else if (this.state === 'subscribed') {
      this.state = 'closed';
      this.closeTap?.();
      this.listener.dropped(this, reason);
    }
  }

  private fail(reason: string): void {
    this.state = 'closed';
    this.listener.failed(this, reason);
    this.ws.terminate();
  }
}
