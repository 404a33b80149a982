import { BinlogConnectionError } from './errors.js'

/**
 * `promise`, or a `BinlogConnectionError` once `ms` passed: every wait on the server is bounded,
 * so that a frozen server ends a session instead of hanging it.
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new BinlogConnectionError(`The server did not answer within ${ms} ms while ${what}`))
    }, ms)
    timer.unref()
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}
