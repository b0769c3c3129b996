/**
 * The real JS clients under Node: `@rails/actioncable` 8 and `@anycable/web`, on a `ws` WebSocket,
 * with the few browser globals they touch shimmed; plus a raw `ws` client for exact protocol checks.
 */
import { createRequire } from 'node:module';
import { WebSocket, type RawData } from 'ws';
import { createCable } from '@anycable/web';
import { waitFor } from './ports.js';

const require = createRequire(import.meta.url);

/** Browser globals the clients touch: @rails/actioncable's ConnectionMonitor listens for visibilitychange. */
function installBrowserShims(): void {
  const scope = globalThis as unknown as Record<string, unknown>;
  scope.addEventListener ??= () => {};
  scope.removeEventListener ??= () => {};
}
installBrowserShims();

/** Extra request headers (cookies...) per exact URL, for clients that only pass (url, protocols). */
const headersByUrl = new Map<string, Record<string, string>>();

/** A `ws` WebSocket usable where a browser WebSocket is expected, sending the headers registered for its URL. */
export class NodeWebSocket extends WebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols, { headers: headersByUrl.get(String(url)) });
  }
}

// ---------------------------------------------------------------------------------------------
// @rails/actioncable

/** The parts of @rails/actioncable's API the tests use (the package ships no types). */
export interface RailsSubscription {
  perform(action: string, data?: Record<string, unknown>): boolean;
  unsubscribe(): void;
  identifier: string;
}
export interface RailsConsumer {
  subscriptions: { create(params: Record<string, unknown> | string, mixin: Record<string, unknown>): RailsSubscription };
  connect(): void;
  disconnect(): void;
}
interface ActionCableModule {
  createConsumer(url: string): RailsConsumer;
  adapters: { WebSocket: unknown; logger: unknown };
}

const ActionCable = require('@rails/actioncable') as ActionCableModule;
ActionCable.adapters.WebSocket = NodeWebSocket;
ActionCable.adapters.logger = { log: () => {} };

/** A consumer of the unmodified @rails/actioncable client; `headers` go with every (re)connect. */
export function createRailsConsumer(url: string, headers?: Record<string, string>): RailsConsumer {
  if (headers) headersByUrl.set(url, headers);
  return ActionCable.createConsumer(url);
}

/** A subscription with everything it went through recorded. */
export interface TrackedSubscription {
  readonly subscription: RailsSubscription;
  readonly received: unknown[];
  readonly events: string[];
  waitForMessages(count: number, timeoutMs?: number): Promise<unknown[]>;
  waitForEvent(event: 'connected' | 'rejected' | 'disconnected', timeoutMs?: number): Promise<void>;
}

export function railsSubscribe(consumer: RailsConsumer, params: Record<string, unknown>): TrackedSubscription {
  const received: unknown[] = [];
  const events: string[] = [];
  const subscription = consumer.subscriptions.create(params, {
    received: (data: unknown) => received.push(data),
    connected: () => events.push('connected'),
    rejected: () => events.push('rejected'),
    disconnected: () => events.push('disconnected'),
  });
  return {
    subscription,
    received,
    events,
    waitForMessages: (count, timeoutMs = 10_000) =>
      waitFor(() => (received.length >= count ? received : null), `${count} message(s) on ${subscription.identifier}, got ${JSON.stringify(received)}`, timeoutMs),
    waitForEvent: async (event, timeoutMs = 10_000) => {
      await waitFor(() => events.includes(event), `${event} on ${subscription.identifier} (events: ${events.join(',')})`, timeoutMs);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// @anycable/web

export type AnyCable = ReturnType<typeof createCable>;

/** A cable of the unmodified @anycable/web client on a `ws` WebSocket. */
export function createAnyCable(url: string, options: { protocol?: 'actioncable-v1-json' | 'actioncable-v1-ext-json'; headers?: Record<string, string> } = {}): AnyCable {
  return createCable(url, {
    protocol: options.protocol ?? 'actioncable-v1-json',
    websocketImplementation: WebSocket,
    websocketOptions: options.headers ? { headers: options.headers } : {},
    logLevel: 'error',
    monitor: false,
  });
}

// ---------------------------------------------------------------------------------------------
// raw ws client

/** A frame as received: parsed JSON, or the text when it is not JSON. */
export type ReceivedFrame = Record<string, unknown> | string;
/** A received frame that parsed as a JSON object. */
export type Frame = Record<string, unknown>;
export const isFrame = (frame: ReceivedFrame): frame is Frame => typeof frame === 'object';

/** The frames with a `message` (broadcasts, transmissions) for `identifier` that `client` received, in arrival order. */
export function streamFrames(client: RawCableClient, identifier: string): Frame[] {
  return client.frames.filter((frame): frame is Frame => isFrame(frame) && frame.identifier === identifier && 'message' in frame);
}

/** A bare `ws` client recording every frame and the close, for exact protocol assertions. */
export class RawCableClient {
  readonly frames: ReceivedFrame[] = [];
  readonly frameTimes: number[] = [];
  closeEvent: { code: number; reason: string } | null = null;
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: RawData) => {
      const text = data.toString();
      let frame: ReceivedFrame;
      try {
        frame = JSON.parse(text) as Record<string, unknown>;
      } catch {
        frame = text;
      }
      this.frames.push(frame);
      this.frameTimes.push(Date.now());
    });
    this.closed = new Promise((resolve) =>
      ws.once('close', (code: number, reason: Buffer) => {
        this.closeEvent = { code, reason: reason.toString() };
        resolve(this.closeEvent);
      }),
    );
    ws.on('error', () => {});
  }

  /** Opens a connection; resolves once the upgrade is done (or rejects with the HTTP status). */
  static connect(
    url: string,
    options: { protocols?: string[]; headers?: Record<string, string> } = {},
  ): Promise<RawCableClient> {
    const ws = new WebSocket(url, options.protocols ?? ['actioncable-v1-json', 'actioncable-unsupported'], { headers: options.headers });
    const client = new RawCableClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused with HTTP ${response.statusCode}`)));
      ws.once('error', reject);
    });
  }

  /** Connects and waits for the welcome. */
  static async welcomed(url: string, options: { protocols?: string[]; headers?: Record<string, string> } = {}): Promise<RawCableClient> {
    const client = await RawCableClient.connect(url, options);
    await client.waitForFrame((frame) => typeof frame === 'object' && frame.type === 'welcome', 'welcome');
    return client;
  }

  get protocol(): string {
    return this.ws.protocol;
  }

  send(frame: object | string | Buffer): void {
    this.ws.send(typeof frame === 'object' && !Buffer.isBuffer(frame) ? JSON.stringify(frame) : frame);
  }

  subscribe(identifier: string): void {
    this.send({ command: 'subscribe', identifier });
  }

  perform(identifier: string, data: Record<string, unknown>): void {
    this.send({ command: 'message', identifier, data: JSON.stringify(data) });
  }

  /** Frames other than pings. */
  get messages(): ReceivedFrame[] {
    return this.frames.filter((frame) => !(typeof frame === 'object' && frame.type === 'ping'));
  }

  waitForFrame(predicate: (frame: ReceivedFrame) => boolean, what: string, timeoutMs = 10_000): Promise<ReceivedFrame> {
    return waitFor(() => this.frames.find(predicate), `${what}; frames so far: ${JSON.stringify(this.messages).slice(0, 1500)}`, timeoutMs);
  }

  async waitForConfirm(identifier: string, timeoutMs?: number): Promise<void> {
    await this.waitForFrame(
      (frame) => typeof frame === 'object' && frame.identifier === identifier && frame.type === 'confirm_subscription',
      `confirm_subscription of ${identifier}`,
      timeoutMs,
    );
  }

  /** Broadcast/transmission messages for `identifier` (frames with a `message`). */
  messagesFor(identifier: string): unknown[] {
    return streamFrames(this, identifier).map((frame) => frame.message);
  }

  waitForMessages(identifier: string, count: number, timeoutMs = 10_000): Promise<unknown[]> {
    return waitFor(
      () => (this.messagesFor(identifier).length >= count ? this.messagesFor(identifier) : null),
      `${count} message(s) for ${identifier}; frames: ${JSON.stringify(this.messages).slice(0, 1500)}`,
      timeoutMs,
    );
  }

  close(code = 1000): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(code);
  }

  /** An abrupt drop: the TCP socket is destroyed, no close frame is sent. */
  drop(): void {
    this.ws.terminate();
  }
}
