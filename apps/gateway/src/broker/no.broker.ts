import type { Broker, HistoryRead } from './broker.js';

const NO_HISTORY: HistoryRead = Object.freeze({ ok: false, error: 'no broker: history is not kept (broker=none)' });

/**
 * `broker=none`: nothing is stored. Publications carry no position, history is refused
 * (`reject_history`), and a `?sid=` reconnect gets a fresh session through Connect.
 */
export class NoBroker implements Broker {
  readonly name = 'none';
  readonly presence = null;

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  register(): null {
    return null;
  }

  historyFrom(): HistoryRead {
    return NO_HISTORY;
  }

  historySince(): HistoryRead {
    return NO_HISTORY;
  }

  commitSession(): void {}

  restoreSession(): null {
    return null;
  }

  finishSession(): void {}
}
