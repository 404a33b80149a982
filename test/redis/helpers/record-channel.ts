import { subscribe, unsubscribe } from 'node:diagnostics_channel'

/** Collects a diagnostics channel's events into `events` until `stop()`. */
export function recordChannel<T>(name: string, events: T[] = []): { events: T[]; stop: () => void } {
  const listener = (event: unknown): void => { events.push(event as T) }
  subscribe(name, listener)
  return { events, stop: () => { unsubscribe(name, listener) } }
}
