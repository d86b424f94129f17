import { formatCount, formatDuration } from './format.js';
import type { Output } from './io.js';

export interface ProgressOptions {
  /** stderr: progress never mixes with the results on stdout. */
  out: Output;
  /** What is under way, e.g. `rebuild balances`. */
  label: string;
  /** What `count` counts (`events`, `items`): the rate is per this unit. */
  unit: string;
  /** How many `unit`s there will be, when known: then a bar, a percentage and an ETA. */
  total?: number;
  /** How often the bar is redrawn (terminal) or a line printed (otherwise); default 200 ms / 5 s. */
  intervalMs?: number;
  /** The clock, for tests. */
  now?: () => number;
}

/** The rate is measured over about this much recent time, so that it follows changes of pace. */
const RATE_WINDOW_MS = 5_000;
const BAR_WIDTH = 20;

/**
 * Progress of a long command. On a terminal: one line redrawn in place (`\r`), with a bar, percentage
 * and ETA when the total is known, the count, the other counters, the rate per second and the time
 * spent. Otherwise: a plain line every few seconds, for logs. `finish` clears the bar (the command then
 * prints its summary).
 */
export class Progress {
  private readonly now: () => number;
  private readonly started: number;
  private readonly timer: NodeJS.Timeout;
  private readonly samples: { at: number; count: number }[] = [];
  private count = 0;
  private counters: Record<string, number> = {};
  private drawn = false;
  private finished = false;

  constructor(private readonly options: ProgressOptions) {
    this.now = options.now ?? Date.now;
    this.started = this.now();
    this.samples.push({ at: this.started, count: 0 });
    const interval = options.intervalMs ?? (options.out.isTTY ? 200 : 5_000);
    this.timer = setInterval(() => this.tick(), interval);
    this.timer.unref();
    if (options.out.isTTY) this.draw();
  }

  /** The latest totals: `count` in `unit`s, and other counters to show (`{ streams: 12 }`). */
  update(count: number, counters: Record<string, number> = {}): void {
    this.count = count;
    this.counters = counters;
  }

  /** Units per second over the last few seconds (over the whole run at first). */
  rate(): number {
    const at = this.now();
    const oldest = this.samples[0] as { at: number; count: number };
    const seconds = (at - oldest.at) / 1000;
    return seconds > 0 ? (this.count - oldest.count) / seconds : 0;
  }

  /**
   * The line as it stands, for the terminal and for logs alike: the bar or count, the other counters,
   * the rate, the ETA, the time spent. Cut to `width` by leaving out the time spent, then the other
   * counters, before the end is cut off.
   */
  line(width = Number.POSITIVE_INFINITY): string {
    const total = this.options.total;
    const rate = this.rate();
    const head: string[] = [];
    if (total !== undefined && total > 0) {
      const fraction = Math.min(1, this.count / total);
      if (this.options.out.isTTY) {
        const full = Math.round(fraction * BAR_WIDTH);
        head.push(`[${'█'.repeat(full)}${'░'.repeat(BAR_WIDTH - full)}] ${Math.floor(fraction * 100)}%`);
      } else {
        head.push(`${Math.floor(fraction * 100)}%`);
      }
      head.push(`${formatCount(this.count)}/~${formatCount(total)} ${this.options.unit}`);
    } else {
      head.push(`${formatCount(this.count)} ${this.options.unit}`);
    }
    const others = Object.entries(this.counters).map(([name, value]) => `${formatCount(value)} ${name}`);
    const speed = [`${formatCount(rate)} ${this.options.unit}/s`];
    if (total !== undefined && total > 0 && rate > 0) {
      speed.push(`ETA ${formatDuration((Math.max(0, total - this.count) / rate) * 1000)}`);
    }
    const elapsed = `${formatDuration(this.now() - this.started)} elapsed`;
    const separator = this.options.out.isTTY ? '  ' : ', ';
    const candidates = [
      [...head, ...others, ...speed, elapsed],
      [...head, ...others, ...speed],
      [...head, ...speed],
    ].map((parts) => `${this.options.label}: ${parts.join(separator)}`);
    const fitting = candidates.find((candidate) => [...candidate].length <= width);
    const chosen = fitting ?? (candidates.at(-1) as string);
    const chars = [...chosen];
    return chars.length > width ? `${chars.slice(0, width - 1).join('')}…` : chosen;
  }

  /** Stops the updates and clears the bar. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    clearInterval(this.timer);
    if (this.drawn) this.options.out.write('\r\x1b[2K');
  }

  private tick(): void {
    if (this.finished) return;
    const at = this.now();
    this.samples.push({ at, count: this.count });
    while (this.samples.length > 2 && at - (this.samples[1] as { at: number }).at >= RATE_WINDOW_MS) {
      this.samples.shift();
    }
    if (this.options.out.isTTY) this.draw();
    else this.options.out.write(`${this.line()}\n`);
  }

  private draw(): void {
    this.options.out.write(`\r\x1b[2K${this.line(Math.max(10, this.options.out.columns - 1))}`);
    this.drawn = true;
  }
}

/** The interval of `DYNAGO_PROGRESS_MS`, when it is a positive number of milliseconds. */
export function progressInterval(env: NodeJS.ProcessEnv): number | undefined {
  const value = Number(env.DYNAGO_PROGRESS_MS);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}
