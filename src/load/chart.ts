import type { ChatLoadResult } from './engine.ts';

/**
 * A self-contained SVG (no library, no fonts to fetch) with two panels: delivery latency over
 * time (p50, p95, max per second, log scale) and the latency histogram. Attached to the check.
 */

const W = 760;
const PANEL_H = 220;
const PAD = { l: 60, r: 20, t: 30, b: 40 };
const esc = (s: string) => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

/** Log-scale y from 1 ms up to the next power of ten above the max. */
function logScale(maxMs: number, top: number, height: number): { y: (v: number) => number; ticks: number[] } {
  const hi = Math.max(10, 10 ** Math.ceil(Math.log10(Math.max(1, maxMs))));
  const ticks: number[] = [];
  for (let v = 1; v <= hi; v *= 10) ticks.push(v);
  const y = (v: number) => top + height - (Math.log10(Math.max(1, v)) / Math.log10(hi)) * height;
  return { y, ticks };
}

export function latencySvg(r: ChatLoadResult, title: string, thresholdMs?: number): string {
  const out: string[] = [];
  const plotW = W - PAD.l - PAD.r;
  const h1 = PANEL_H - PAD.t - PAD.b;
  const H = PANEL_H * 2 + 20;
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${PAD.l}" y="18" font-size="13" font-weight="bold">${esc(title)}</text>`);

  // Panel 1: latency over time.
  const tl = r.timeline;
  const maxS = Math.max(1, ...tl.map((p) => p.s));
  const maxMs = Math.max(thresholdMs ?? 0, ...tl.map((p) => p.max));
  const { y, ticks } = logScale(maxMs, PAD.t, h1);
  const x = (s: number) => PAD.l + (s / maxS) * plotW;
  for (const t of ticks) {
    out.push(`<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/>`);
    out.push(`<text x="${PAD.l - 6}" y="${y(t) + 4}" text-anchor="end">${t >= 1000 ? `${t / 1000} s` : `${t} ms`}</text>`);
  }
  out.push(`<text x="${PAD.l + plotW / 2}" y="${PANEL_H - 8}" text-anchor="middle">seconds since start (delivery latency per second: p50, p95, max)</text>`);
  const series: [keyof (typeof tl)[number], string][] = [
    ['p50', '#1f77b4'],
    ['p95', '#ff7f0e'],
    ['max', '#d62728'],
  ];
  for (const [key, color] of series) {
    if (tl.length === 0) break;
    const pts = tl.map((p) => `${x(p.s).toFixed(1)},${y(p[key]).toFixed(1)}`).join(' ');
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${pts}"/>`);
  }
  series.forEach(([key, color], i) => out.push(`<text x="${W - PAD.r - 150 + i * 50}" y="${PAD.t - 6}" fill="${color}">${key}</text>`));
  if (thresholdMs) {
    out.push(`<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${y(thresholdMs)}" y2="${y(thresholdMs)}" stroke="#d62728" stroke-dasharray="4 3"/>`);
    out.push(`<text x="${PAD.l + 4}" y="${y(thresholdMs) - 4}" fill="#d62728">p95 threshold ${thresholdMs} ms</text>`);
  }
  if (tl.length === 0) out.push(`<text x="${PAD.l + plotW / 2}" y="${PAD.t + h1 / 2}" text-anchor="middle">no message delivered</text>`);

  // Panel 2: histogram.
  const top = PANEL_H + 20;
  const hist = r.histogram;
  const maxCount = Math.max(1, ...hist.map((b) => b.count));
  const bw = plotW / hist.length;
  hist.forEach((b, i) => {
    const bh = (b.count / maxCount) * h1;
    const bx = PAD.l + i * bw;
    out.push(`<rect x="${(bx + 2).toFixed(1)}" y="${(top + h1 - bh).toFixed(1)}" width="${(bw - 4).toFixed(1)}" height="${bh.toFixed(1)}" fill="#1f77b4"/>`);
    if (b.count) out.push(`<text x="${(bx + bw / 2).toFixed(1)}" y="${(top + h1 - bh - 3).toFixed(1)}" text-anchor="middle">${b.count}</text>`);
    const label = b.leMs === null ? '>' : b.leMs >= 1000 ? `≤${b.leMs / 1000}s` : `≤${b.leMs}`;
    out.push(`<text x="${(bx + bw / 2).toFixed(1)}" y="${top + h1 + 14}" text-anchor="middle">${label}</text>`);
  });
  out.push(`<text x="${PAD.l + plotW / 2}" y="${top + PANEL_H - 14}" text-anchor="middle">delivery latency histogram (ms), ${r.delivery.count} deliveries</text>`);
  out.push('</svg>');
  return out.join('\n');
}
