// Nearest-rank percentiles over raw samples (autocannon's own histogram rounds latencies to whole milliseconds).

/** `sorted` must be ascending; NaN when there are no samples. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function ascending(values: number[]): number[] {
  return values.sort((a, b) => a - b);
}
