/** Formatting for people: counts, sizes, durations, tables cut to the terminal's width. */

/** 12,345 */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** Bytes in DynamoDB's units (1 KB = 1 024 bytes, as its item and capacity limits count them). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}

/** 0:07, 12:34, 1:02:03 */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** `text` cut to `width` characters, the cut marked with an ellipsis. */
export function abbreviate(text: string, width: number): string {
  if (width <= 0) return '';
  const chars = [...text];
  if (chars.length <= width) return text;
  return `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

/** ISO 8601 in UTC with milliseconds, or "?" for a missing time. */
export function formatTime(epochMs: unknown): string {
  return typeof epochMs === 'number' && Number.isFinite(epochMs) ? new Date(epochMs).toISOString() : '?';
}

export interface Column {
  header: string;
  align?: 'left' | 'right';
}

/**
 * Rows under headers, columns two spaces apart. The last column takes what is left of `width` and is
 * abbreviated to fit (at least 20 characters); the others are as wide as their widest cell.
 */
export function formatTable(columns: Column[], rows: string[][], width: number): string {
  const widths = columns.map((column, index) =>
    Math.max([...column.header].length, ...rows.map((row) => [...(row[index] ?? '')].length)),
  );
  const last = columns.length - 1;
  const used = widths.slice(0, last).reduce((sum, value) => sum + value + 2, 0);
  widths[last] = Math.max(20, Math.min(widths[last] as number, width - used - 1));
  const line = (cells: string[]) =>
    cells
      .map((cell, index) => {
        const size = widths[index] as number;
        const text = index === last ? abbreviate(cell, size) : cell;
        if (index === last) return text;
        const pad = ' '.repeat(Math.max(0, size - [...text].length));
        return columns[index]?.align === 'right' ? `${pad}${text}` : `${text}${pad}`;
      })
      .join('  ')
      .trimEnd();
  return `${[line(columns.map((column) => column.header)), ...rows.map(line)].join('\n')}\n`;
}

/** "1 stream", "2,000 streams" */
export function plural(count: number, word: string): string {
  return `${formatCount(count)} ${word}${count === 1 ? '' : 's'}`;
}
