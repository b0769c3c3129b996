import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { encodeBroadcast, type Publication, type PublicationMeta, type RemoteDisconnectCommand } from '#libs/protocol';
import type { BroadcastAdapter } from './adapters/broadcast-adapter.js';
import { BroadcastContext } from './broadcast-context.js';
import { BROADCAST_ADAPTER, BROADCASTER_OPTIONS } from './broadcast.constants.js';
import { BroadcastError, describeCause } from './broadcast.errors.js';
import type { BroadcasterOptions } from './broadcaster-options.js';

/** Delivery options of one broadcast. */
export interface BroadcastOptions {
  /** Skip the session the current work runs for (`BroadcastContext.currentSocketId()`); rejects if none is set. */
  toOthers?: boolean;
  /** Skip this session id (`meta.exclude_socket`); wins over `toOthers`. */
  excludeSocket?: string;
  /** Not stored in stream history (`meta.transient`). */
  transient?: boolean;
}

/** One entry of `broadcastMany`. */
export interface BroadcastItem {
  stream: string;
  payload: unknown;
  options?: BroadcastOptions;
}

/** Options of a remote disconnect. */
export interface DisconnectOptions {
  /** Whether clients may reconnect (sent in the `disconnect` frame). Default `true`, as anycable does. */
  reconnect?: boolean;
}

/**
 * Publishes to the gateways through the configured adapter, in the anycable-go formats.
 * Every method resolves once the transport confirmed the message and rejects with a `BroadcastError`
 * (cause attached) otherwise; nothing is dropped silently. At most `maxPending` publishes are in flight;
 * `onModuleDestroy` waits for them (up to `closeTimeoutMs`) and closes the connection.
 */
@Injectable()
export class BroadcastService implements OnModuleDestroy {
  private readonly logger = new Logger('BroadcastService');
  private readonly pending = new Set<Promise<void>>();
  private closing = false;

  constructor(
    @Inject(BROADCAST_ADAPTER) private readonly adapter: BroadcastAdapter,
    @Inject(BROADCASTER_OPTIONS) private readonly options: BroadcasterOptions,
  ) {}

  /** Publishes `payload` (JSON-serialised once, as `data`) to every subscriber of `stream`. */
  async broadcast(stream: string, payload: unknown, options?: BroadcastOptions): Promise<void> {
    const publication = buildPublication(stream, payload, options);
    await this.send(encodeBroadcast(publication));
  }

  /** Publishes several publications as ONE batch (a JSON array); the gateway delivers them in this order. */
  async broadcastMany(items: readonly BroadcastItem[]): Promise<void> {
    if (!Array.isArray(items)) throw new BroadcastError('broadcastMany expects an array of { stream, payload, options? }');
    if (items.length === 0) return;
    const publications = items.map((item, index) => {
      try {
        return buildPublication(item?.stream, item?.payload, item?.options);
      } catch (error) {
        throw new BroadcastError(`broadcastMany item ${index}: ${describeCause(error)}`, { cause: error });
      }
    });
    await this.send(encodeBroadcast(publications));
  }

  /** Sends the remote command closing every session whose identifiers string equals `identifiers`. */
  async disconnect(identifiers: string, options: DisconnectOptions = {}): Promise<void> {
    if (typeof identifiers !== 'string' || identifiers === '') {
      throw new BroadcastError(`disconnect needs the connection identifiers string, got ${JSON.stringify(identifiers)}`);
    }
    const command: RemoteDisconnectCommand = {
      command: 'disconnect',
      payload: { identifier: identifiers, reconnect: options.reconnect ?? true },
    };
    await this.send(encodeBroadcast(command));
  }

  /** Publishes accepted and not yet confirmed by the transport. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Waits for pending publishes (bounded by `closeTimeoutMs`), then closes the adapter. */
  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    if (this.pending.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), this.options.closeTimeoutMs);
      });
      const outcome = await Promise.race([Promise.allSettled([...this.pending]), timedOut]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        this.logger.warn(`closing the ${this.adapter.name} broadcaster with ${this.pending.size} publishes unconfirmed after ${this.options.closeTimeoutMs} ms`);
      }
    }
    await this.adapter.close();
  }

  private send(body: string): Promise<void> {
    if (this.closing) {
      return Promise.reject(new BroadcastError(`${this.adapter.name} broadcaster is closed: the module is shutting down`));
    }
    if (this.pending.size >= this.options.maxPending) {
      return Promise.reject(
        new BroadcastError(`${this.adapter.name} broadcaster has ${this.pending.size} publishes unconfirmed (maxPending): refusing more until the transport catches up`),
      );
    }
    const publish = this.adapter.publish(body);
    this.pending.add(publish);
    const forget = (): void => {
      this.pending.delete(publish);
    };
    publish.then(forget, forget);
    return publish;
  }
}

function buildPublication(stream: unknown, payload: unknown, options: BroadcastOptions = {}): Publication {
  if (typeof stream !== 'string' || stream === '') {
    throw new BroadcastError(`a broadcast needs a non-empty stream name, got ${JSON.stringify(stream)}`);
  }
  let data: string | undefined;
  try {
    data = JSON.stringify(payload);
  } catch (cause) {
    throw new BroadcastError(`payload for stream "${stream}" is not JSON-serialisable: ${describeCause(cause)}`, { cause });
  }
  if (data === undefined) {
    throw new BroadcastError(`payload for stream "${stream}" is not JSON-serialisable (got ${typeof payload})`);
  }
  const meta: PublicationMeta = {};
  const exclude = options.excludeSocket ?? (options.toOthers ? currentSocketFor(stream) : undefined);
  if (exclude !== undefined) {
    if (typeof exclude !== 'string' || exclude === '') {
      throw new BroadcastError(`excludeSocket for stream "${stream}" must be a non-empty session id, got ${JSON.stringify(exclude)}`);
    }
    meta.exclude_socket = exclude;
  }
  if (options.transient) meta.transient = true;
  return Object.keys(meta).length > 0 ? { stream, data, meta } : { stream, data };
}

function currentSocketFor(stream: string): string {
  const socketId = BroadcastContext.currentSocketId();
  if (socketId === undefined) {
    throw new BroadcastError(
      `toOthers on stream "${stream}" needs the current session id: call it inside BroadcastContext.run(sid, ...) or pass excludeSocket`,
    );
  }
  return socketId;
}
