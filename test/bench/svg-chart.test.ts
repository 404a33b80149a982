import { describe, expect, it } from 'vitest'
import { escapeXml, renderChart } from '../../bench/lib/svg-chart.js'

describe('renderChart', () => {
  it('draws one bar per value, labels escaped, in a standalone SVG document', () => {
    const svg = renderChart({
      kind: 'bars',
      id: 'x',
      title: 'A <b> & "c"',
      unit: 'ns',
      log: true,
      groups: [
        { label: '1 ID', bars: [{ label: 'Map', value: 10 }, { label: 'repo', value: 1000 }] },
        { label: '50 IDs', bars: [{ label: 'Map', value: 9 }, { label: 'repo', value: Number.NaN }] },
      ],
    })
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true)
    expect(svg).toContain('A &lt;b&gt; &amp; &quot;c&quot;')
    expect(svg).not.toContain('<b>')
    // Background + 4 bars (the missing value drawn with zero width, labelled n/a).
    expect(svg.match(/<rect /g)).toHaveLength(5)
    expect(svg).toContain('>n/a<')
    expect(svg).not.toMatch(/NaN|Infinity/)
  })

  it('draws one path per series and places points inside the plot', () => {
    const svg = renderChart({
      kind: 'lines',
      id: 'y',
      title: 'Hit rate',
      xLabel: 'cache %',
      yLabel: 'hit rate %',
      series: [
        { label: 'Belady', points: [{ x: 1, y: 70 }, { x: 5, y: 80 }, { x: 10, y: 82 }] },
        { label: 'LRU', points: [{ x: 1, y: 56 }, { x: 5, y: 70 }, { x: 10, y: 75 }] },
      ],
    })
    expect(svg.match(/<path /g)).toHaveLength(2)
    for (const match of svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"/g)) {
      const [x, y] = [Number(match[1]), Number(match[2])]
      expect(x).toBeGreaterThanOrEqual(64)
      expect(x).toBeLessThanOrEqual(520)
      expect(y).toBeGreaterThanOrEqual(40)
      expect(y).toBeLessThanOrEqual(368)
    }
  })

  it('escapes every XML special character', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;')
  })
})
