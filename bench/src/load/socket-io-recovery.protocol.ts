import { readStamp } from '../stamped-payload.js';
import type { RecoveryEvent, RecoveryProtocol } from './recovery-protocol.js';

/** The stream offset Socket.IO appends as the last argument of a recoverable event: `…,"1732871234567-0"]`. */
const TRAILING_OFFSET = /,"(\d+-\d+)"\]$/;

/**
 * Socket.IO 4 connection state recovery as `socket.io-client` 4.8 does it (socket.ts), over a raw
 * Engine.IO v4 WebSocket:
 * - the namespace CONNECT answer `40{"sid","pid"}` gives the private session id (pid);
 * - every event carries the adapter's offset as its last argument, kept as the last offset seen;
 * - the next connection sends `40{"pid","offset"}`; the server answers with the same pid when it
 *   recovered the session (rooms kept, missed packets sent right after), else a new one — the client
 *   then joins its room again and whatever was published meanwhile is lost to it.
 */
export class SocketIoRecoveryProtocol implements RecoveryProtocol {
  readonly subprotocols: string[] = [];
  private pid: string | undefined;
  private offset: string | undefined;
  private subscribing = false;

  constructor(private readonly room: string) {}

  connectUrl(base: string): string {
    this.subscribing = false;
    return base;
  }

  read(frame: string, out: RecoveryEvent[]): void {
    if (frame.startsWith('42')) {
      const stamp = readStamp(frame);
      const offset = TRAILING_OFFSET.exec(frame)?.[1];
      if (offset) this.offset = offset;
      if (stamp) out.push({ type: 'broadcast', seq: stamp.seq });
      return;
    }
    if (frame === '2') {
      out.push({ type: 'send', frame: '3' });
      return;
    }
    if (frame.startsWith('43') && this.subscribing) {
      this.subscribing = false;
      out.push({ type: 'caught-up', restored: false, historyRejected: false });
      return;
    }
    if (frame.startsWith('40')) {
      this.connected(frame.slice(2), out);
      return;
    }
    if (frame.startsWith('0')) {
      const auth = this.pid && this.offset ? JSON.stringify({ pid: this.pid, offset: this.offset }) : '';
      out.push({ type: 'send', frame: `40${auth}` });
      return;
    }
    if (frame.startsWith('44')) out.push({ type: 'failed', reason: `connect error ${frame.slice(2, 200)}` });
    else if (frame.startsWith('41')) this.pid = undefined;
  }

  private connected(body: string, out: RecoveryEvent[]): void {
    let answer: { pid?: string };
    try {
      answer = JSON.parse(body) as { pid?: string };
    } catch (error) {
      out.push({ type: 'failed', reason: `namespace connect answer is not JSON: ${(error as Error).message}` });
      return;
    }
    const recovered = this.pid !== undefined && answer.pid === this.pid;
    this.pid = answer.pid;
    if (recovered) {
      out.push({ type: 'caught-up', restored: true, historyRejected: false });
      return;
    }
    this.subscribing = true;
    out.push({ type: 'send', frame: `420${JSON.stringify(['subscribe', this.room])}` });
  }
}
