/** Latency percentiles in milliseconds, as every scenario reports them. */
export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** A Float32Array that grows, for latency samples recorded in a hot loop without per-sample allocation. */
export class SampleBuffer {
  private values: Float32Array;
  private size = 0;

  constructor(initialCapacity = 1024) {
    this.values = new Float32Array(Math.max(16, initialCapacity));
  }

  get length(): number {
    return this.size;
  }

  push(value: number): void {
    if (this.size === this.values.length) {
      const grown = new Float32Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.size++] = value;
  }

  /** A copy of the samples (the buffer keeps recording into its own storage). */
  toArray(): Float32Array {
    return this.values.slice(0, this.size);
  }

  clear(): void {
    this.size = 0;
  }
}

/** Merges sample arrays from several workers and summarises them (nearest-rank percentiles). */
export function summarize(parts: Float32Array[]): LatencySummary {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const all = new Float64Array(total);
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  all.sort();
  if (total === 0) return { count: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 };
  let sum = 0;
  for (const value of all) sum += value;
  const rank = (q: number): number => all[Math.min(total - 1, Math.max(0, Math.ceil(q * total) - 1))];
  return {
    count: total,
    mean: round(sum / total),
    p50: round(rank(0.5)),
    p95: round(rank(0.95)),
    p99: round(rank(0.99)),
    max: round(all[total - 1]),
  };
}

/** Rounds to 3 decimals (microsecond precision for milliseconds). */
export function round(value: number, digits = 3): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Sum of one numeric field over worker replies (or any items). */
export function total<T>(items: readonly T[], pick: (item: T) => number): number {
  let sum = 0;
  for (const item of items) sum += pick(item);
  return sum;
}
