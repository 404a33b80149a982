import type { BarChart, Chart, LineChart } from './scenario.js'
import { formatNumber } from './format.js'

/*
 * A small SVG writer for the report's charts: grouped horizontal bars and line charts, plain
 * SVG 1.1 with inline attributes (no CSS, no scripts), so that any Markdown viewer shows them.
 */

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"'
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf']

/** The chart as a standalone SVG document. */
export function renderChart(chart: Chart): string {
  return chart.kind === 'bars' ? renderBars(chart) : renderLines(chart)
}

/** Escapes text for SVG content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c] ?? ''};`)
}

function renderBars(chart: BarChart): string {
  // No font metrics in plain SVG: about 0.55 em per character of a 12 px sans-serif.
  const longest = Math.max(0, ...chart.groups.flatMap((g) => g.bars.map((b) => b.label.length)))
  const labelWidth = Math.round(Math.min(520, Math.max(160, longest * 6.6 + 24)))
  const plotWidth = 420
  const width = labelWidth + plotWidth + 90
  const barHeight = 16
  const top = 48
  const values = chart.groups.flatMap((g) => g.bars.map((b) => b.value)).filter((v) => Number.isFinite(v) && v > 0)
  const scale = chart.log === true ? logScale(values, plotWidth) : linearScale(values, plotWidth)
  const colours = new Map<string, string>()
  for (const group of chart.groups) {
    for (const bar of group.bars) {
      if (!colours.has(bar.label)) colours.set(bar.label, PALETTE[colours.size % PALETTE.length] as string)
    }
  }
  const parts: string[] = []
  let y = top
  for (const group of chart.groups) {
    parts.push(text(8, y + 12, group.label, { weight: 'bold' }))
    y += 20
    for (const bar of group.bars) {
      const w = Number.isFinite(bar.value) && bar.value > 0 ? Math.max(1, scale.at(bar.value)) : 0
      parts.push(text(labelWidth - 8, y + 12, bar.label, { anchor: 'end' }))
      parts.push(`<rect x="${labelWidth}" y="${y + 2}" width="${w.toFixed(1)}" height="${barHeight - 4}" fill="${colours.get(bar.label) ?? '#888'}"/>`)
      parts.push(text(labelWidth + w + 4, y + 12, Number.isFinite(bar.value) ? formatNumber(bar.value) : 'n/a'))
      y += barHeight
    }
    y += 8
  }
  const bottom = y
  const axis: string[] = []
  for (const tick of scale.ticks) {
    const x = labelWidth + scale.at(tick)
    axis.push(`<line x1="${x.toFixed(1)}" y1="${top - 4}" x2="${x.toFixed(1)}" y2="${bottom}" stroke="#ddd"/>`)
    axis.push(text(x, bottom + 14, formatNumber(tick), { anchor: 'middle', size: 10 }))
  }
  const height = bottom + 40
  return document(width, height, [
    text(8, 20, chart.title, { weight: 'bold', size: 14 }),
    text(labelWidth, 38, `${chart.unit}${chart.log === true ? ' (log scale)' : ''}`, { size: 11 }),
    ...axis,
    `<line x1="${labelWidth}" y1="${top - 4}" x2="${labelWidth}" y2="${bottom}" stroke="#333"/>`,
    ...parts,
  ])
}

function renderLines(chart: LineChart): string {
  const width = 720
  const height = 420
  const left = 64
  const right = 200
  const top = 40
  const bottom = 52
  const plotWidth = width - left - right
  const plotHeight = height - top - bottom
  const points = chart.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y))
  const xs = [...new Set(points.map((p) => p.x))].sort((a, b) => a - b)
  const xMin = xs[0] ?? 0
  const xMax = xs[xs.length - 1] ?? 1
  const xAt = (x: number): number => left + (xMax === xMin ? plotWidth / 2 : ((x - xMin) / (xMax - xMin)) * plotWidth)
  const y = linearScale(points.map((p) => p.y), plotHeight)
  const yAt = (v: number): number => top + plotHeight - y.at(v)
  const parts: string[] = [text(8, 22, chart.title, { weight: 'bold', size: 14 })]
  for (const tick of y.ticks) {
    parts.push(`<line x1="${left}" y1="${yAt(tick).toFixed(1)}" x2="${left + plotWidth}" y2="${yAt(tick).toFixed(1)}" stroke="#ddd"/>`)
    parts.push(text(left - 6, yAt(tick) + 4, formatNumber(tick), { anchor: 'end', size: 10 }))
  }
  for (const x of xs) parts.push(text(xAt(x), top + plotHeight + 16, formatNumber(x), { anchor: 'middle', size: 10 }))
  parts.push(`<rect x="${left}" y="${top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#333"/>`)
  parts.push(text(left + plotWidth / 2, height - 12, chart.xLabel, { anchor: 'middle', size: 11 }))
  parts.push(`<text x="14" y="${top + plotHeight / 2}" ${FONT} font-size="11" text-anchor="middle" transform="rotate(-90 14 ${top + plotHeight / 2})">${escapeXml(chart.yLabel)}</text>`)
  chart.series.forEach((series, i) => {
    const colour = PALETTE[i % PALETTE.length] as string
    const dash = i % 3 === 1 ? ' stroke-dasharray="6 3"' : i % 3 === 2 ? ' stroke-dasharray="2 3"' : ''
    const valid = series.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).sort((a, b) => a.x - b.x)
    if (valid.length > 0) {
      const path = valid.map((p, k) => `${k === 0 ? 'M' : 'L'}${xAt(p.x).toFixed(1)},${yAt(p.y).toFixed(1)}`).join(' ')
      parts.push(`<path d="${path}" fill="none" stroke="${colour}" stroke-width="2"${dash}/>`)
      for (const p of valid) parts.push(`<circle cx="${xAt(p.x).toFixed(1)}" cy="${yAt(p.y).toFixed(1)}" r="3" fill="${colour}"/>`)
    }
    const legendY = top + 8 + i * 20
    parts.push(`<line x1="${left + plotWidth + 12}" y1="${legendY}" x2="${left + plotWidth + 36}" y2="${legendY}" stroke="${colour}" stroke-width="2"${dash}/>`)
    parts.push(text(left + plotWidth + 42, legendY + 4, series.label, { size: 11 }))
  })
  return document(width, height, parts)
}

interface Scale {
  readonly at: (value: number) => number
  readonly ticks: readonly number[]
}

function linearScale(values: readonly number[], length: number): Scale {
  const max = Math.max(0, ...values.filter(Number.isFinite))
  const step = niceStep(max / 5)
  const top = Math.max(step, Math.ceil(max / step) * step)
  const ticks: number[] = []
  for (let t = 0; t <= top + step / 2; t += step) ticks.push(Number(t.toPrecision(12)))
  return { at: (v) => (v / top) * length, ticks }
}

function logScale(values: readonly number[], length: number): Scale {
  const from = values.length === 0 ? 0 : Math.floor(Math.log10(Math.min(...values)))
  const highest = values.length === 0 ? 1 : Math.ceil(Math.log10(Math.max(...values)))
  const to = highest > from ? highest : from + 1
  const ticks: number[] = []
  for (let e = from; e <= to; e++) ticks.push(10 ** e)
  return { at: (v) => ((Math.log10(v) - from) / (to - from)) * length, ticks }
}

function niceStep(raw: number): number {
  if (!(raw > 0)) return 1
  const power = 10 ** Math.floor(Math.log10(raw))
  const fraction = raw / power
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power
}

interface TextOptions {
  readonly anchor?: 'start' | 'middle' | 'end'
  readonly weight?: 'bold'
  readonly size?: number
}

function text(x: number, y: number, content: string, options: TextOptions = {}): string {
  const anchor = options.anchor === undefined ? '' : ` text-anchor="${options.anchor}"`
  const weight = options.weight === undefined ? '' : ` font-weight="${options.weight}"`
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${FONT} font-size="${options.size ?? 12}"${anchor}${weight}>${escapeXml(content)}</text>`
}

function document(width: number, height: number, parts: readonly string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${Math.ceil(height)}" viewBox="0 0 ${width} ${Math.ceil(height)}">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n')
}
