import { Inject, Injectable } from '@nestjs/common';
import { BROADCASTER_OPTIONS } from './broadcast.constants.js';
import { BroadcastError } from './broadcast.errors.js';
import type { BroadcasterOptions } from './broadcaster-options.js';

/** One member of a presence set: its presence id and the info it joined with. */
export interface PresenceMember<Info = unknown> {
  id: string;
  info?: Info;
}

/** A stream's presence set, as the gateway keeps it. */
export interface PresenceSet<Info = unknown> {
  total: number;
  records: PresenceMember<Info>[];
}

/**
 * Reads presence sets from the gateway (`GET <presenceUrl>/<stream>`, with the broadcast key):
 * who is in a stream now, for any Nest provider (a channel, an HTTP controller, a job).
 * Requires the gateway to run with a broker (memory, nats or redis).
 */
@Injectable()
export class PresenceService {
  constructor(@Inject(BROADCASTER_OPTIONS) private readonly options: BroadcasterOptions) {}

  /**
   * The current set of `stream` (empty when nobody is present). Rejects with a `BroadcastError` naming
   * the gateway's answer for a bad key (401), a gateway without a broker (501), an unreachable or
   * silent gateway (within `publishTimeoutMs`), or any other answer.
   */
  async info<Info = unknown>(stream: string): Promise<PresenceSet<Info>> {
    if (typeof stream !== 'string' || stream === '') throw new BroadcastError('presence: the stream name must be a non-empty string');
    const url = `${this.options.presenceUrl.replace(/\/+$/, '')}/${encodeURIComponent(stream)}`;
    const headers: Record<string, string> = this.options.broadcastKey ? { authorization: `Bearer ${this.options.broadcastKey}` } : {};
    let response: Response;
    try {
      response = await fetch(url, { headers, signal: AbortSignal.timeout(this.options.publishTimeoutMs) });
    } catch (error) {
      throw new BroadcastError(`presence of ${JSON.stringify(stream)}: gateway not reachable at ${url}`, { cause: error });
    }
    const text = await response.text();
    if (response.status === 404) return { total: 0, records: [] };
    if (response.status !== 200) throw new BroadcastError(`presence of ${JSON.stringify(stream)}: gateway answered ${response.status} ${errorOf(text)}`);
    const body = JSON.parse(text) as { total: number; records: PresenceMember<Info>[] };
    return { total: body.total, records: body.records };
  }
}

function errorOf(text: string): string {
  try {
    return String((JSON.parse(text) as { error?: unknown }).error ?? text);
  } catch {
    return text.slice(0, 200);
  }
}
