/** Order statistics of a list of samples. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}

/** The q-quantile (0 ≤ q ≤ 1) of `values`, by linear interpolation between closest ranks. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  const lower = sorted[low] as number;
  const upper = sorted[high] as number;
  return lower + (upper - lower) * (position - low);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

export function summarize(values: readonly number[]): Summary {
  return {
    median: median(values),
    min: values.length === 0 ? Number.NaN : Math.min(...values),
    max: values.length === 0 ? Number.NaN : Math.max(...values),
    n: values.length,
  };
}

/** `value` rounded to `digits` significant digits, as a number (for JSON that stays readable). */
export function round(value: number, digits = 4): number {
  if (!Number.isFinite(value) || value === 0) return value;
  return Number(value.toPrecision(digits));
}
