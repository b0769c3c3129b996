import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay } from '../backoff.js';
import { BroadcastError, describeCause } from '../broadcast.errors.js';
import type { BroadcasterOptions } from '../broadcaster-options.js';
import type { BroadcastAdapter } from './broadcast-adapter.js';
import { ConcurrencyLimit } from './concurrency-limit.js';

/** Longest part of a refusal's response body quoted in the error. */
const MAX_QUOTED_BODY = 300;

/** What one request attempt came to when it did not succeed. */
interface Failure {
  readonly retryable: boolean;
  readonly reason: string;
  readonly cause?: unknown;
}

/**
 * `http` adapter: `POST <httpUrl>` with the encoded body, `Content-Type: application/json` and
 * `Authorization: Bearer <broadcastKey>` (when a key is set). anycable-go answers 201 on success.
 *
 * - Network errors, timeouts (`publishTimeoutMs` per request), 5xx, 408 and 429 are retried up to
 *   `retries` times with exponential backoff; then the publish rejects with the last failure.
 * - 401/403 (wrong key), 422 (body refused) and any other answer are not retried: retrying cannot help.
 * - At most `httpConcurrency` requests are in flight (default 1, which keeps the order of publishes).
 */
export class HttpBroadcastAdapter implements BroadcastAdapter {
  readonly name = 'http';
  private readonly limit: ConcurrencyLimit;
  private readonly closing = new AbortController();
  private readonly headers: Record<string, string>;

  constructor(private readonly options: BroadcasterOptions) {
    this.limit = new ConcurrencyLimit(options.httpConcurrency);
    this.headers = { 'content-type': 'application/json' };
    if (options.broadcastKey) this.headers.authorization = `Bearer ${options.broadcastKey}`;
  }

  publish(body: string): Promise<void> {
    if (this.closing.signal.aborted) return Promise.reject(this.closedError());
    return this.limit.run(() => this.deliver(body));
  }

  /** Aborts requests and backoff waits still running (the service has already waited for them). */
  async close(): Promise<void> {
    this.closing.abort();
  }

  private async deliver(body: string): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      if (this.closing.signal.aborted) throw this.closedError();
      const failure = await this.attempt(body);
      if (!failure) return;
      const attempts = `${attempt} attempt${attempt === 1 ? '' : 's'}`;
      const abandoned = (): BroadcastError =>
        new BroadcastError(`http broadcast to ${this.options.httpUrl} abandoned after ${attempts} (${failure.reason}): the broadcaster is closing`, {
          cause: failure.cause,
        });
      if (this.closing.signal.aborted) throw abandoned();
      if (!failure.retryable || attempt > this.options.retries) {
        throw new BroadcastError(`http broadcast to ${this.options.httpUrl} failed after ${attempts}: ${failure.reason}`, {
          cause: failure.cause,
        });
      }
      const delay = backoffDelay(attempt, this.options.retryBaseDelayMs, this.options.retryMaxDelayMs);
      // Rejects only when close() aborts the wait.
      await sleep(delay, undefined, { signal: this.closing.signal }).catch(() => {
        throw abandoned();
      });
    }
  }

  /** One request; undefined on 201. */
  private async attempt(body: string): Promise<Failure | undefined> {
    let response: Response;
    try {
      response = await fetch(this.options.httpUrl, {
        method: 'POST',
        headers: this.headers,
        body,
        signal: AbortSignal.any([AbortSignal.timeout(this.options.publishTimeoutMs), this.closing.signal]),
      });
    } catch (cause) {
      if (this.closing.signal.aborted) return { retryable: false, reason: 'request aborted', cause };
      return { retryable: true, reason: `request failed: ${networkReason(cause, this.options.publishTimeoutMs)}`, cause };
    }
    // Read the body either way: it frees the keep-alive socket and explains a refusal.
    let text = '';
    try {
      text = (await response.text()).slice(0, MAX_QUOTED_BODY).trim();
    } catch (cause) {
      if (response.status === 201) return undefined;
      return { retryable: true, reason: `response ${response.status} cut off: ${describeCause(cause)}`, cause };
    }
    if (response.status === 201) return undefined;
    const quoted = text ? `: ${text}` : '';
    const status = response.status;
    if (status === 401 || status === 403) {
      return {
        retryable: false,
        reason: `the gateway refused the broadcast key (${status})${quoted}; set ANYCABLE_BROADCAST_KEY (or ANYCABLE_SECRET) to the gateway's`,
      };
    }
    if (status === 422) return { retryable: false, reason: `the gateway rejected the publication as invalid (422)${quoted}` };
    const retryable = status >= 500 || status === 408 || status === 429;
    return { retryable, reason: `the gateway answered ${status} instead of 201${quoted}` };
  }

  private closedError(): BroadcastError {
    return new BroadcastError(`http broadcast to ${this.options.httpUrl} refused: the broadcaster is closed`);
  }
}

/** "fetch failed" alone says nothing; name the underlying socket error or the timeout. */
function networkReason(cause: unknown, timeoutMs: number): string {
  if (cause instanceof Error && cause.name === 'TimeoutError') return `no response within ${timeoutMs} ms`;
  const inner = cause instanceof Error ? cause.cause : undefined;
  return inner ? `${describeCause(cause)} (${describeCause(inner)})` : describeCause(cause);
}
