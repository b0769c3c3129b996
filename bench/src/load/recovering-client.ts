import { WebSocket } from 'ws';
import { DeliveryLedger } from '../reliability/delivery-ledger.js';
import type { RecoveryEvent, RecoveryProtocol } from './recovery-protocol.js';

/** What a reliability client tells the set that owns it. */
export interface RecoveringClientListener {
  /** Back in the stream after connecting; `reconnectMs` is undefined for the first connection. */
  caughtUp(client: RecoveringClient, event: { restored: boolean; historyRejected: boolean; reconnectMs: number | undefined }): void;
  failed(client: RecoveringClient, reason: string): void;
  /** A connection attempt ended before the client was back in the stream (it tries again). */
  attemptFailed(client: RecoveringClient, reason: string): void;
}

/**
 * Pause before the next attempt when a connection attempt fails (the server is down or restarting):
 * 250 ms, doubling with each failure in a row up to 1 s, ±25% jitter. @anycable/core's monitor backs
 * off the same way from a much longer base (its ping interval, 2.5 s); a fixed 250 ms made 10,000
 * clients knock 40,000 times a second on a restarting gateway's closed port, CPU the gateway then
 * lacks while it shuts down and starts.
 */
const RETRY_MS = 250;
const RETRY_MAX_MS = 1_000;
/** A client whose connection the server closed comes back after a random pause up to this (no thundering herd). */
const SERVER_CLOSE_JITTER_MS = 500;
const MAX_PAYLOAD_BYTES = 1 << 20;

/**
 * One client of the reliability scenario: connects to one of the peer's nodes, keeps its session
 * through its RecoveryProtocol, and comes back after every drop — its own (the socket destroyed, no
 * close frame, as when a network goes away) or the server's (a node restarting) — on a node chosen at
 * random, as a load balancer would. Its ledger counts every broadcast it receives.
 */
export class RecoveringClient {
  state: 'connecting' | 'catching-up' | 'live' | 'offline' | 'failed' | 'closed' = 'offline';
  readonly ledger: DeliveryLedger;
  private ws: WebSocket | undefined;
  private everLive = false;
  /** When the current reconnection began (after the outage), for the restore latency. */
  private reconnectStartedAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private urlIndex: number;
  /** Connection attempts failed in a row (the backoff's exponent). */
  private failedAttempts = 0;
  private readonly events: RecoveryEvent[] = [];

  constructor(
    private readonly urls: readonly string[],
    firstUrl: number,
    private readonly protocol: RecoveryProtocol,
    expectedBroadcasts: number,
    /** How long the WebSocket handshake may take before the attempt is given up and tried again. */
    private readonly handshakeTimeoutMs: number,
    private readonly listener: RecoveringClientListener,
  ) {
    this.urlIndex = firstUrl % urls.length;
    this.ledger = new DeliveryLedger(expectedBroadcasts);
  }

  /** Opens the first connection. */
  start(): void {
    this.connect();
  }

  /** Drops a live connection the way a network does (no close frame) and comes back after `outageMs`. */
  drop(outageMs: number): boolean {
    if (this.state !== 'live') return false;
    this.goOffline();
    this.timer = setTimeout(() => this.reconnect(), outageMs);
    return true;
  }

  /** Ends the client for good (end of the run). */
  close(): void {
    clearTimeout(this.timer);
    this.state = 'closed';
    this.ws?.terminate();
  }

  private reconnect(): void {
    this.reconnectStartedAt = performance.now();
    this.urlIndex = Math.floor(Math.random() * this.urls.length);
    this.connect();
  }

  private connect(): void {
    if (this.state === 'closed' || this.state === 'failed') return;
    this.state = 'connecting';
    const ws = new WebSocket(this.protocol.connectUrl(this.urls[this.urlIndex]!), this.protocol.subprotocols, {
      perMessageDeflate: false,
      maxPayload: MAX_PAYLOAD_BYTES,
      handshakeTimeout: this.handshakeTimeoutMs,
    });
    this.ws = ws;
    let error: string | undefined;
    ws.on('message', (data) => {
      if (this.ws === ws) this.onFrame(data.toString());
    });
    // The close that follows says what to do; the error says why, for the counts.
    ws.on('error', (cause) => (error = cause.message));
    ws.on('close', (code) => {
      if (this.ws === ws) this.onClose(error ?? `closed by the server (code ${code})`);
    });
  }

  private onFrame(frame: string): void {
    const events = this.events;
    events.length = 0;
    this.protocol.read(frame, events);
    for (const event of events) {
      switch (event.type) {
        case 'send':
          this.ws?.send(event.frame);
          break;
        case 'broadcast':
          this.ledger.receive(event.seq);
          break;
        case 'caught-up': {
          if (this.state !== 'connecting' && this.state !== 'catching-up') break;
          this.state = 'live';
          this.everLive = true;
          this.failedAttempts = 0;
          const started = this.reconnectStartedAt;
          this.reconnectStartedAt = undefined;
          this.listener.caughtUp(this, { restored: event.restored, historyRejected: event.historyRejected, reconnectMs: started === undefined ? undefined : performance.now() - started });
          break;
        }
        case 'failed':
          this.state = 'failed';
          this.ws?.terminate();
          this.listener.failed(this, event.reason);
          return;
      }
    }
    if (this.state === 'connecting') this.state = 'catching-up';
  }

  private onClose(reason: string): void {
    if (this.state === 'closed' || this.state === 'failed' || this.state === 'offline') return;
    const wasLive = this.state === 'live';
    this.goOffline();
    if (!wasLive) this.listener.attemptFailed(this, reason);
    if (wasLive) {
      // The server closed a live connection (a node going down): come back like after a drop.
      this.timer = setTimeout(() => this.reconnect(), Math.random() * SERVER_CLOSE_JITTER_MS);
      return;
    }
    // The attempt failed (refused while a node restarts, or closed before catching up): try the next node.
    if (this.everLive) this.reconnectStartedAt ??= performance.now();
    this.urlIndex = (this.urlIndex + 1) % this.urls.length;
    const backoffMs = Math.min(RETRY_MAX_MS, RETRY_MS * 2 ** this.failedAttempts);
    this.failedAttempts += 1;
    this.timer = setTimeout(() => this.connect(), backoffMs * (0.75 + Math.random() * 0.5));
  }

  private goOffline(): void {
    this.state = 'offline';
    const ws = this.ws;
    this.ws = undefined;
    ws?.terminate();
  }
}
