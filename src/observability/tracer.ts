/**
 * The part of an OpenTelemetry `Span` the repository uses. An `@opentelemetry/api` span
 * satisfies it; the package itself is not imported, so it stays an optional peer.
 */
export interface SpanLike {
  setAttribute(key: string, value: string | number | boolean): unknown
  recordException(exception: Error): unknown
  setStatus(status: { code: number; message?: string }): unknown
  end(): void
}

/**
 * The part of an OpenTelemetry `Tracer` the repository uses: pass
 * `trace.getTracer('contact-repository')` as the `tracer` option to get one span per batch.
 */
export interface TracerLike {
  startSpan(name: string, options?: { attributes?: Record<string, string | number> }): SpanLike
}

/** OpenTelemetry's `SpanStatusCode.ERROR`. */
export const SPAN_STATUS_ERROR = 2
