import { encodeBroadcast, encodeStreamMessage } from '../../protocol/server-frame.encoder.js';
import type { BroadcastParts, FrameEncoder } from '../frame-encoder.js';

/**
 * Server frames as Server-Sent Events, the way anycable-go 1.6.0 writes them (sse/encoder.go):
 * - a typed frame (welcome, confirm_subscription, ping, disconnect, presence...) is `event: <type>` plus
 *   `data: <the whole frame>`; with `raw=1` typed frames are not sent at all;
 * - a message (a broadcast, or a transmission without type) is `data: <its message>` for a GET
 *   request (a string message as its raw text), `data: <the whole frame>` for a POST request;
 * - a stored broadcast carries `id: <offset>/<epoch>/<stream>`, which EventSource sends back as
 *   `Last-Event-ID` when it reconnects;
 * - a disconnect that says "do not reconnect" carries `retry: <one year>` so EventSource waits.
 * Every event ends with a blank line. Unlike anycable-go, a payload spanning several lines (a
 * pretty-printed JSON message, a string with newlines) is split into several `data:` lines, as
 * the SSE format requires, so it reaches the client whole instead of cutting the event short.
 */
class SseFrameEncoder implements FrameEncoder {
  constructor(
    readonly name: string,
    /** GET requests: a message frame's data is its `message` alone. */
    private readonly unwrap: boolean,
    /** `raw=1`: typed frames are dropped. */
    private readonly raw: boolean,
    /**
     * HTTP/1.1 responses are chunked: each event is built as one whole chunk, once per encoder, so
     * a broadcast is one prebuilt buffer and one socket write per subscriber, as for WebSocket
     * (Node's response.write frames every write itself: four writes per event and subscriber).
     */
    private readonly chunked: boolean,
  ) {}

  encodeFrame(json: string): Buffer | null {
    const frame = parseFrame(json);
    // A transmission that is not a JSON object cannot be typed: its text goes out as data, not lost.
    if (frame === null) return this.event('', json);
    const type = typeof frame.type === 'string' ? frame.type : '';
    if (type !== '' && this.raw) return null;
    const data = type === '' && this.unwrap ? messageText(frame.message) : json;
    let fields = '';
    const { offset, epoch, stream_id: stream } = frame;
    if (typeof offset === 'number' && offset > 0 && typeof epoch === 'string' && epoch && typeof stream === 'string' && stream) {
      fields += `id: ${eventIdOf(offset, epoch, stream)}\n`;
    }
    if (type === 'disconnect' && frame.reconnect === false) fields += `retry: ${RETRY_NEVER_MS}\n`;
    return this.event(type, data, fields);
  }

  encodeBroadcast({ prefix, messageJson, stream, position, type }: BroadcastParts): Buffer | null {
    // A typed broadcast (a presence event) is a typed frame like any other.
    if (type) return this.raw ? null : this.event(type, encodeBroadcast(prefix, messageJson));
    const stored = position !== null && position.offset > 0 && position.epoch !== '';
    let data: string;
    if (this.unwrap) data = messageJson.startsWith('"') ? (JSON.parse(messageJson) as string) : messageJson;
    else data = stored ? encodeStreamMessage(prefix, messageJson, stream, position) : encodeBroadcast(prefix, messageJson);
    return this.event('', data, stored ? `id: ${eventIdOf(position.offset, position.epoch, stream)}\n` : '');
  }

  private event(type: string, data: string, fields = ''): Buffer {
    const head = type ? `event: ${type}\n` : '';
    const event = `${head}data: ${data.split(LINE_BREAK).join('\ndata: ')}\n${fields}\n`;
    if (!this.chunked) return Buffer.from(event);
    return Buffer.from(`${Buffer.byteLength(event).toString(16)}\r\n${event}\r\n`);
  }
}

/** anycable-go's `retry` for a disconnect without reconnect: one year, in milliseconds. */
const RETRY_NEVER_MS = 31_536_000_000;
const LINE_BREAK = /\r\n|\r|\n/;

const ENCODERS = new Map<string, SseFrameEncoder>();
for (const method of ['GET', 'POST'] as const) {
  for (const raw of [false, true]) {
    for (const chunked of [false, true]) {
      const name = `sse${method === 'POST' ? '-post' : ''}${raw ? '-raw' : ''}${chunked ? '' : '-unchunked'}`;
      ENCODERS.set(`${method} ${raw} ${chunked}`, new SseFrameEncoder(name, method === 'GET', raw, chunked));
    }
  }
}

/**
 * The shared encoder of an SSE request: GET requests (EventSource) get messages unwrapped, POST
 * requests whole frames; `raw` drops typed events (anycable-go applies it to both methods);
 * `chunked` for responses in HTTP/1.1 chunked transfer encoding (each event one chunk).
 */
export function sseEncoderFor(method: 'GET' | 'POST', raw: boolean, chunked: boolean): FrameEncoder {
  return ENCODERS.get(`${method} ${raw} ${chunked}`) as SseFrameEncoder;
}

/** An event id: `<offset>/<epoch>/<stream>` (anycable-go; its docs give another order, its code this one). */
export function eventIdOf(offset: number, epoch: string, stream: string): string {
  return `${offset}/${epoch}/${stream}`;
}

/** A stream position read back from `Last-Event-ID`; null when the id is not one of ours. */
export function positionOfEventId(id: string): { stream: string; epoch: string; offset: number } | 'malformed' | null {
  const first = id.indexOf('/');
  const second = first < 0 ? -1 : id.indexOf('/', first + 1);
  // anycable-go ignores an id of fewer than three parts, and refuses a non-numeric offset.
  if (second < 0) return null;
  const offsetText = id.slice(0, first);
  if (!/^\d+$/.test(offsetText)) return 'malformed';
  return { offset: Number(offsetText), epoch: id.slice(first + 1, second), stream: id.slice(second + 1) };
}

interface FrameFields {
  type?: unknown;
  message?: unknown;
  offset?: unknown;
  epoch?: unknown;
  stream_id?: unknown;
  reconnect?: unknown;
}

function parseFrame(json: string): FrameFields | null {
  try {
    const parsed: unknown = JSON.parse(json);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as FrameFields) : null;
  } catch {
    return null;
  }
}

/** A message as SSE data: a string as its raw text, anything else as JSON (anycable-go). */
function messageText(message: unknown): string {
  return typeof message === 'string' ? message : JSON.stringify(message ?? null);
}
