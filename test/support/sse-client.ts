/**
 * An SSE client on Node's fetch that keeps the exact wire text (for checks of the event format)
 * and the events parsed from it. For a browser-grade client (automatic reconnect with
 * Last-Event-ID) the tests use the `eventsource` package instead.
 */
import { waitFor } from './ports.js';

/** One event as the SSE format defines its fields (https://html.spec.whatwg.org/multipage/server-sent-events.html). */
export interface SseEvent {
  /** `event:` ('' when absent: a plain message). */
  readonly event: string;
  /** The `data:` lines joined with \n. */
  readonly data: string;
  readonly id?: string;
  readonly retry?: string;
}

export class SseStream {
  /** Everything received, verbatim. */
  text = '';
  readonly events: SseEvent[] = [];
  ended = false;
  private readonly abort = new AbortController();

  private constructor(readonly response: Response) {}

  /** GETs (or POSTs) `url`; resolves once the response headers arrived, whatever the status. */
  static async open(url: string, init: RequestInit = {}): Promise<SseStream> {
    const abort = new AbortController();
    const response = await fetch(url, { ...init, signal: abort.signal });
    const stream = new SseStream(response);
    stream.abort.signal.addEventListener('abort', () => abort.abort());
    void stream.read();
    return stream;
  }

  get status(): number {
    return this.response.status;
  }

  /** The events but pings (they come at any time, from ping_interval). */
  get withoutPings(): SseEvent[] {
    return this.events.filter((event) => event.event !== 'ping');
  }

  /** The events of type `type` ('' = plain messages). */
  ofType(type: string): SseEvent[] {
    return this.events.filter((event) => event.event === type);
  }

  async waitForEvents(count: number, type?: string, timeoutMs = 10_000): Promise<SseEvent[]> {
    return waitFor(
      () => {
        const events = type === undefined ? this.events : this.ofType(type);
        return events.length >= count ? events : null;
      },
      `${count} event(s)${type === undefined ? '' : ` of type "${type}"`}; got ${JSON.stringify(this.text).slice(0, 500)}`,
      timeoutMs,
    );
  }

  async waitForEnd(timeoutMs = 10_000): Promise<void> {
    await waitFor(() => this.ended || null, 'the end of the event stream', timeoutMs);
  }

  close(): void {
    this.abort.abort();
  }

  private async read(): Promise<void> {
    const decoder = new TextDecoder();
    let pending = '';
    try {
      for await (const chunk of this.response.body ?? []) {
        const text = decoder.decode(chunk as Uint8Array, { stream: true });
        this.text += text;
        pending += text;
        let end: number;
        while ((end = pending.indexOf('\n\n')) >= 0) {
          const block = pending.slice(0, end);
          pending = pending.slice(end + 2);
          this.events.push(parseEvent(block));
        }
      }
    } catch (error) {
      if ((error as Error).name !== 'AbortError') throw error;
    } finally {
      this.ended = true;
    }
  }
}

function parseEvent(block: string): SseEvent {
  let event = '';
  const data: string[] = [];
  let id: string | undefined;
  let retry: string | undefined;
  for (const line of block.split('\n')) {
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id') id = value;
    else if (field === 'retry') retry = value;
  }
  return { event, data: data.join('\n'), id, retry };
}
