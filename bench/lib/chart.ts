/** The ratio chart of docs/benchmarks.md: a hand-written SVG, one bar per end-to-end comparison. */
import type { Comparison } from './results.js';

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function ratioChart(comparisons: Comparison[], subtitle: string): string {
  const rows = comparisons.filter((c) => c.kind === 'end-to-end');
  const labelWidth = 420;
  const plotWidth = 440;
  const valueWidth = 70;
  const rowHeight = 26;
  const top = 58;
  const bottom = 44;
  const width = labelWidth + plotWidth + valueWidth + 20;
  const height = top + rows.length * rowHeight + bottom;
  const maxValue = Math.max(
    1.5,
    ...rows.map((c) => Math.max(c.ratio, c.pairedRatio.max, c.target?.maxRatio ?? 0) * 1.05),
  );
  const scale = Math.ceil(maxValue * 4) / 4;
  const x = (value: number) => labelWidth + (Math.min(value, scale) / scale) * plotWidth;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">dynago / baseline, median time (below 1: dynago is faster)</text>`,
    `<text x="10" y="38" fill="#555555">${escapeXml(subtitle)}</text>`,
  );
  for (let tick = 0; tick <= scale + 1e-9; tick += 0.25) {
    const tx = x(tick);
    out.push(
      `<line x1="${tx}" y1="${top - 6}" x2="${tx}" y2="${top + rows.length * rowHeight}" stroke="${tick === 1 ? '#333333' : '#e4e4e4'}" stroke-width="${tick === 1 ? 1.5 : 1}"/>`,
      `<text x="${tx}" y="${top + rows.length * rowHeight + 16}" text-anchor="middle" fill="#555555">${tick.toFixed(2)}</text>`,
    );
  }
  rows.forEach((c, index) => {
    const y = top + index * rowHeight;
    const met = c.target ? c.target.met : c.ratio <= 1;
    const fill = met ? '#2e8b57' : '#e07b39';
    out.push(
      `<text x="${labelWidth - 8}" y="${y + 17}" text-anchor="end">${escapeXml(`${c.workload}. ${c.title}`)}</text>`,
      `<rect x="${labelWidth}" y="${y + 5}" width="${Math.max(1, x(c.ratio) - labelWidth)}" height="${rowHeight - 10}" fill="${fill}"/>`,
      `<line x1="${x(c.pairedRatio.min)}" y1="${y + rowHeight / 2}" x2="${x(c.pairedRatio.max)}" y2="${y + rowHeight / 2}" stroke="#222222" stroke-width="1"/>`,
      `<line x1="${x(c.pairedRatio.min)}" y1="${y + 8}" x2="${x(c.pairedRatio.min)}" y2="${y + rowHeight - 8}" stroke="#222222"/>`,
      `<line x1="${x(c.pairedRatio.max)}" y1="${y + 8}" x2="${x(c.pairedRatio.max)}" y2="${y + rowHeight - 8}" stroke="#222222"/>`,
      `<text x="${labelWidth + plotWidth + 8}" y="${y + 17}">${c.ratio.toFixed(2)}${c.ratio > scale ? ' →' : ''}</text>`,
    );
    if (c.target) {
      const tx = x(c.target.maxRatio);
      out.push(
        `<line x1="${tx}" y1="${y + 2}" x2="${tx}" y2="${y + rowHeight - 2}" stroke="#c0392b" stroke-width="2" stroke-dasharray="3,2"/>`,
      );
    }
  });
  const legendY = height - 12;
  out.push(
    `<rect x="10" y="${legendY - 10}" width="12" height="10" fill="#2e8b57"/><text x="26" y="${legendY - 1}">target met (or faster, where there is no target)</text>`,
    `<rect x="330" y="${legendY - 10}" width="12" height="10" fill="#e07b39"/><text x="346" y="${legendY - 1}">target missed (or slower)</text>`,
    `<line x1="530" y1="${legendY - 10}" x2="530" y2="${legendY}" stroke="#c0392b" stroke-width="2" stroke-dasharray="3,2"/><text x="536" y="${legendY - 1}">target</text>`,
    `<line x1="600" y1="${legendY - 5}" x2="630" y2="${legendY - 5}" stroke="#222222"/><text x="636" y="${legendY - 1}">min–max of the per-round ratios</text>`,
    '</svg>',
  );
  return `${out.join('\n')}\n`;
}
