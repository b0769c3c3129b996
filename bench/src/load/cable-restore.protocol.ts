import type { RecoveryEvent, RecoveryProtocol } from './recovery-protocol.js';

type Position = { epoch: string; offset: number };
type Frame = {
  type?: string;
  sid?: string;
  restored?: boolean;
  restored_ids?: string[];
  identifier?: string;
  message?: unknown;
  stream_id?: string;
  epoch?: string;
  offset?: number;
  reason?: string;
  reconnect?: boolean;
};

const unixSeconds = (): number => Math.floor(Date.now() / 1000);

/**
 * The extended Action Cable protocol as `@anycable/core` 1.1 speaks it (action_cable_ext/index.js),
 * for one subscription:
 * - the welcome's `sid` is kept; the next connection asks `?sid=<sid>` to be restored;
 * - `restored: true` → `history` for each restored identifier with the last stream positions seen
 *   (and `since` = the time of the last ping), no re-subscribe;
 * - not restored → subscribe again, with the same history request in the subscribe command;
 * - a `disconnect` frame forgets the sid (the client will not try to restore that session), as
 *   @anycable/core does since 1.1.2 ("prevent session recovery after disconnect message"); with
 *   `keepSidOnRestart` one that says reconnect (server_restart) keeps it, as up to 1.1.1;
 * - caught up at confirm_history / reject_history (every subscribe asks for history, as @anycable/core's does).
 */
export class CableRestoreProtocol implements RecoveryProtocol {
  readonly subprotocols = ['actioncable-v1-ext-json'];
  private sid: string | undefined;
  private readonly positions = new Map<string, Position>();
  private restoreSince = unixSeconds();
  private restoring = false;

  constructor(
    private readonly identifier: string,
    private readonly options: { keepSidOnRestart: boolean } = { keepSidOnRestart: false },
  ) {}

  connectUrl(base: string): string {
    this.restoring = false;
    if (!this.sid) return base;
    return `${base}${base.includes('?') ? '&' : '?'}sid=${encodeURIComponent(this.sid)}`;
  }

  read(text: string, out: RecoveryEvent[]): void {
    let frame: Frame;
    try {
      frame = JSON.parse(text) as Frame;
    } catch (error) {
      out.push({ type: 'failed', reason: `frame is not JSON: ${(error as Error).message}` });
      return;
    }
    if (frame.message !== undefined && frame.identifier !== undefined && frame.type === undefined) {
      this.broadcast(frame, out);
      return;
    }
    switch (frame.type) {
      case 'welcome':
        this.welcome(frame, out);
        return;
      case 'ping':
        this.restoreSince = typeof frame.message === 'number' ? frame.message : unixSeconds();
        return;
      case 'confirm_history':
      case 'reject_history':
        out.push({ type: 'caught-up', restored: this.restoring, historyRejected: frame.type === 'reject_history' });
        return;
      case 'reject_subscription':
        out.push({ type: 'failed', reason: 'reject_subscription' });
        return;
      case 'disconnect':
        if (frame.reconnect === false) {
          this.sid = undefined;
          out.push({ type: 'failed', reason: `disconnect: ${String(frame.reason)}` });
        } else if (!this.options.keepSidOnRestart) {
          this.sid = undefined;
        }
        return;
      default:
        return;
    }
  }

  private welcome(frame: Frame, out: RecoveryEvent[]): void {
    this.sid = frame.sid;
    const history = this.historyRequest();
    if (frame.restored && (frame.restored_ids ?? [this.identifier]).includes(this.identifier)) {
      this.restoring = true;
      out.push({ type: 'send', frame: JSON.stringify({ command: 'history', identifier: this.identifier, history }) });
      return;
    }
    out.push({ type: 'send', frame: JSON.stringify({ command: 'subscribe', identifier: this.identifier, history }) });
  }

  /** What @anycable/core asks for (historyRequestFor): the positions seen, and since the last ping for streams without one. */
  private historyRequest(): { since: number; streams: Record<string, Position> } {
    return { since: this.restoreSince, streams: Object.fromEntries(this.positions) };
  }

  private broadcast(frame: Frame, out: RecoveryEvent[]): void {
    if (frame.stream_id && frame.epoch && typeof frame.offset === 'number') {
      this.positions.set(frame.stream_id, { epoch: frame.epoch, offset: frame.offset });
    }
    const seq = (frame.message as { seq?: unknown } | null)?.seq;
    if (typeof seq === 'number') out.push({ type: 'broadcast', seq });
  }
}
