/**
 * Progress shown while a run goes on: one line rewritten in place on a terminal, or a line every few
 * seconds when the output is a file or a pipe (CI logs, the smoke test).
 */
export class Progress {
  private readonly tty = Boolean(process.stderr.isTTY);
  private lastPrinted = 0;
  private pending = false;

  constructor(private readonly quiet = false, private readonly intervalMs = 2_000) {}

  /** Shows the current state of a phase. */
  update(text: string): void {
    if (this.quiet) return;
    if (this.tty) {
      process.stderr.write(`\r\x1b[2K${text}`);
      this.pending = true;
      return;
    }
    const now = Date.now();
    if (now - this.lastPrinted < this.intervalMs) return;
    this.lastPrinted = now;
    process.stderr.write(`${text}\n`);
  }

  /** Prints a line that stays. */
  log(text: string): void {
    if (this.pending) {
      process.stderr.write('\r\x1b[2K');
      this.pending = false;
    }
    process.stderr.write(`${text}\n`);
  }
}
