import { RpcCallError } from './rpc-call.error.js';

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout | null;
  done: boolean;
}

/**
 * At most `limit` RPC calls in flight (anycable-go `rpc_concurrency`); the others wait in FIFO
 * order, at most `queueLimit` of them (`rpc_queue_size`). A call that cannot even wait (queue
 * full) or whose deadline passes while waiting is refused with an {@link RpcCallError}.
 */
export class ConcurrencyGate {
  private active = 0;
  private waiters: Waiter[] = [];
  private head = 0;
  private waiting = 0;

  constructor(
    readonly limit: number,
    readonly queueLimit: number,
  ) {}

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting;
  }

  /**
   * Resolves when a slot is taken; the caller must {@link release} it exactly once. A finite
   * `deadlineMs` also bounds the wait (a retry waiting for a slot must not outlive its call).
   */
  acquire(deadlineMs: number): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    if (this.waiting >= this.queueLimit) {
      return Promise.reject(new RpcCallError('queue_full', `RPC queue full (${this.queueLimit} calls waiting, rpc_queue_size)`));
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, timer: null, done: false };
      if (Number.isFinite(deadlineMs)) {
        const wait = deadlineMs - Date.now();
        waiter.timer = setTimeout(() => {
          waiter.done = true;
          this.waiting--;
          reject(new RpcCallError('deadline', `deadline passed after waiting ${wait} ms for one of ${this.limit} RPC slots`));
        }, Math.max(0, wait));
      }
      this.waiters.push(waiter);
      this.waiting++;
    });
  }

  release(): void {
    while (this.head < this.waiters.length) {
      const waiter = this.waiters[this.head];
      this.head++;
      if (waiter.done) continue;
      waiter.done = true;
      this.waiting--;
      if (waiter.timer) clearTimeout(waiter.timer);
      this.compact();
      waiter.resolve(); // the slot passes to the waiter: `active` is unchanged
      return;
    }
    this.compact();
    this.active--;
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.waiters.length) {
      this.waiters = this.waiters.slice(this.head);
      this.head = 0;
    }
  }
}
