/** Three significant figures or so, with thousands separators; `–` for a missing value. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '–'
  const abs = Math.abs(value)
  if (abs >= 1000 || Number.isInteger(value)) return Math.round(value).toLocaleString('en-US')
  if (abs >= 100) return value.toFixed(0)
  if (abs >= 10) return value.toFixed(1)
  if (abs >= 1) return value.toFixed(2)
  if (abs === 0) return '0'
  return value.toPrecision(2)
}

/** `1.23x` */
export function formatRatio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}x` : '–'
}

/** A fraction as `12.3%`. */
export function formatPercent(fraction: number): string {
  return Number.isFinite(fraction) ? `${(fraction * 100).toFixed(1)}%` : '–'
}

/** A duration given in milliseconds, in the unit that reads best: `850 ns`, `12.3 us`, `4.56 ms`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '–'
  if (ms < 0.001) return `${formatNumber(ms * 1e6)} ns`
  if (ms < 1) return `${formatNumber(ms * 1e3)} us`
  if (ms < 1000) return `${formatNumber(ms)} ms`
  return `${formatNumber(ms / 1000)} s`
}

/** Bytes as `512 B`, `1.5 KiB`, `12.3 MiB`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '–'
  const abs = Math.abs(bytes)
  if (abs < 1024) return `${formatNumber(bytes)} B`
  if (abs < 1024 ** 2) return `${formatNumber(bytes / 1024)} KiB`
  if (abs < 1024 ** 3) return `${formatNumber(bytes / 1024 ** 2)} MiB`
  return `${formatNumber(bytes / 1024 ** 3)} GiB`
}
