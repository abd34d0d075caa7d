/** Inline SVG charts for the HTML report: plain shapes, no scripts, every label escaped. */
import { counted } from '../plural.js';
import type { HourRow } from './summary.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const COLOURS: Record<string, string> = { ring: '#2e7d32', captcha: '#f9a825', voicemail: '#1565c0', reject: '#c62828' };
const EXTRA = ['#6a1b9a', '#00838f', '#5d4037', '#455a64'];

export function routeColour(route: string, index: number): string {
  return COLOURS[route] ?? EXTRA[index % EXTRA.length] ?? '#777';
}

/** Stacked bars, one per hour, coloured by route; a `<title>` on each bar gives the numbers on hover. */
export function hourBarsSvg(hours: HourRow[], routes: string[]): string {
  const width = 720;
  const height = 180;
  const pad = 24;
  const max = Math.max(1, ...hours.map((h) => h.total));
  const slot = (width - pad) / Math.max(1, hours.length);
  const bars: string[] = [];
  hours.forEach((h, i) => {
    let y = height - pad;
    const x = pad + i * slot;
    for (const [ri, route] of routes.entries()) {
      const n = h.byRoute[route] ?? 0;
      if (!n) continue;
      const bh = (n / max) * (height - 2 * pad);
      y -= bh;
      bars.push(`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, slot - 1).toFixed(1)}" height="${bh.toFixed(1)}" fill="${routeColour(route, ri)}"><title>${escapeHtml(`${h.hour}h UTC: ${n} ${route}`)}</title></rect>`);
    }
  });
  const first = hours[0]?.hour ?? '';
  const last = hours[hours.length - 1]?.hour ?? '';
  return [
    `<svg viewBox="0 0 ${width} ${height}" role="img" aria-label="Calls by hour" class="chart">`,
    `<line x1="${pad}" y1="${height - pad}" x2="${width}" y2="${height - pad}" stroke="#999"/>`,
    `<text x="${pad}" y="14" font-size="11">${counted(max, 'call')}</text>`,
    ...bars,
    `<text x="${pad}" y="${height - 6}" font-size="11">${escapeHtml(first)}h</text>`,
    `<text x="${width}" y="${height - 6}" font-size="11" text-anchor="end">${escapeHtml(last)}h UTC</text>`,
    '</svg>',
  ].join('');
}

/** One horizontal bar split by route, with a legend. */
export function routeSplitSvg(byRoute: Array<{ key: string; count: number }>, total: number): string {
  const width = 720;
  const barH = 28;
  let x = 0;
  const parts: string[] = [];
  const legend: string[] = [];
  byRoute.forEach((r, i) => {
    const w = total ? (r.count / total) * width : 0;
    const colour = routeColour(r.key, i);
    if (w > 0) parts.push(`<rect x="${x.toFixed(1)}" y="0" width="${w.toFixed(1)}" height="${barH}" fill="${colour}"><title>${escapeHtml(`${r.key}: ${r.count}`)}</title></rect>`);
    x += w;
    const lx = (i % 4) * 180;
    const ly = barH + 20 + Math.floor(i / 4) * 18;
    legend.push(`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${colour}"/><text x="${lx + 16}" y="${ly}" font-size="12">${escapeHtml(`${r.key} ${r.count}`)}</text>`);
  });
  const height = barH + 30 + Math.ceil(Math.max(1, byRoute.length) / 4) * 18;
  if (!total) parts.push(`<rect x="0" y="0" width="${width}" height="${barH}" fill="#eee"/>`);
  return `<svg viewBox="0 0 ${width} ${height}" role="img" aria-label="Calls by route" class="chart">${parts.join('')}${legend.join('')}</svg>`;
}
