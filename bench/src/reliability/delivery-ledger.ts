/** What one client received of the broadcasts 1…expected. */
export interface DeliveryCounts {
  /** Sequence numbers received exactly once. */
  exactlyOnce: number;
  /** Receipts beyond the first of a sequence number. */
  duplicates: number;
  /** First receipts of a sequence number lower than one already received. */
  outOfOrder: number;
  /** Sequence numbers never received. */
  lost: number;
}

/**
 * One client's receipts of the broadcasts numbered 1…expected: how many times each arrived, and
 * whether it arrived after a later one. Receipts outside 1…expected are counted as duplicates of
 * nothing (they cannot happen unless the publisher and the ledger disagree, which the run reports).
 */
export class DeliveryLedger {
  private readonly times: Uint8Array;
  private highest = 0;
  private duplicates = 0;
  private outOfOrder = 0;
  private unexpected = 0;
  private firstReceipts = 0;

  constructor(readonly expected: number) {
    this.times = new Uint8Array(expected + 1);
  }

  /** Records one receipt of `seq`. */
  receive(seq: number): void {
    if (!Number.isInteger(seq) || seq < 1 || seq > this.expected) {
      this.unexpected += 1;
      return;
    }
    const before = this.times[seq]!;
    if (before < 255) this.times[seq] = before + 1;
    if (before > 0) {
      this.duplicates += 1;
      return;
    }
    this.firstReceipts += 1;
    if (seq < this.highest) this.outOfOrder += 1;
    else this.highest = seq;
  }

  /** Distinct sequence numbers received so far. */
  get received(): number {
    return this.firstReceipts;
  }

  /** Receipts of numbers outside 1…expected. */
  get unexpectedReceipts(): number {
    return this.unexpected;
  }

  counts(): DeliveryCounts {
    let exactlyOnce = 0;
    for (let seq = 1; seq <= this.expected; seq += 1) if (this.times[seq] === 1) exactlyOnce += 1;
    return { exactlyOnce, duplicates: this.duplicates, outOfOrder: this.outOfOrder, lost: this.expected - this.firstReceipts };
  }
}
