import { createHmac } from 'node:crypto';
import type { PresenceEvent } from '../broker/presence/presence-set.js';
import type { GatewayLogger } from '../log/logger.js';
import type { GatewayStats } from '../metrics/gateway-stats.js';

export interface PresenceWebhookConfig {
  /** `presence_webhook_url`: where each join/leave is POSTed ('' = no webhook). */
  readonly url: string;
  /** `presence_webhook_secret` (default `secret`): signs each body, HMAC-SHA256, hex. */
  readonly secret: string;
  /** `presence_webhook_max_pending` (1000): events waiting to be sent; past it new ones are dropped, counted and logged. */
  readonly maxPending: number;
}

/** Attempts per event: the first and 3 retries, 200 ms · 2ⁿ apart (a receiver restarting within about 1.5 s loses nothing). */
const ATTEMPTS = 4;
const RETRY_BASE_MS = 200;
/** One attempt's deadline. */
const ATTEMPT_TIMEOUT_MS = 5_000;

/**
 * Presence webhooks (beyond anycable-go, whose docs list them as not implemented yet): each `join`
 * and `leave` this gateway announces is POSTed to `presence_webhook_url` as
 * `{"type":"join"|"leave","stream":…,"id":…,"info":…,"at":<unix ms>}` with
 * `X-AnyCable-Signature: sha256=<hex HMAC-SHA256(secret, body)>`. With a shared broker exactly one
 * gateway announces each event (the compare-and-set winner), so each is sent once. One request at
 * a time, in order; a failed one (network error, 5xx, 429) is retried; a 4xx is not (the receiver
 * refused it). Bounded: past `maxPending` waiting events new ones are dropped (counted, logged once per episode).
 */
export class PresenceWebhook {
  private readonly queue: string[] = [];
  private sending = false;
  private dropping = false;
  private stopped = false;

  constructor(
    private readonly config: PresenceWebhookConfig,
    private readonly logger: GatewayLogger,
    private readonly stats: GatewayStats,
  ) {}

  notify(stream: string, event: PresenceEvent): void {
    if (this.stopped) return;
    if (this.queue.length >= this.config.maxPending) {
      this.stats.presenceWebhooksFailed++;
      if (!this.dropping) this.logger.error({ pending: this.queue.length }, 'presence webhook receiver not keeping up: events over presence_webhook_max_pending dropped');
      this.dropping = true;
      return;
    }
    this.queue.push(JSON.stringify({ ...event, stream, at: Date.now() }));
    if (!this.sending) void this.drain();
  }

  /** Stops sending; what is still waiting is logged as lost. */
  stop(): void {
    this.stopped = true;
    if (this.queue.length > 0) this.logger.warn({ unsent: this.queue.length }, 'presence webhooks not sent at shutdown');
    this.queue.length = 0;
  }

  private async drain(): Promise<void> {
    this.sending = true;
    while (this.queue.length > 0 && !this.stopped) {
      await this.send(this.queue.shift()!);
      if (this.dropping && this.queue.length < this.config.maxPending / 2) this.dropping = false;
    }
    this.sending = false;
  }

  private async send(body: string): Promise<void> {
    const signature = `sha256=${createHmac('sha256', this.config.secret).update(body).digest('hex')}`;
    let last = '';
    for (let attempt = 0; attempt < ATTEMPTS && !this.stopped; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, RETRY_BASE_MS * 2 ** (attempt - 1)));
      try {
        const response = await fetch(this.config.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-anycable-signature': signature },
          body,
          signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
        });
        await response.arrayBuffer();
        if (response.ok) {
          this.stats.presenceWebhooksSent++;
          return;
        }
        last = `HTTP ${response.status}`;
        if (response.status < 500 && response.status !== 429) break;
      } catch (error) {
        last = (error as Error).message;
      }
    }
    this.stats.presenceWebhooksFailed++;
    this.logger.warn({ url: this.config.url, err: last, body: body.slice(0, 200) }, 'presence webhook not delivered');
  }
}
