// Where a binlog stream can start, on a private MariaDB with binary logging: verifyCheckpoint's
// verdict on each kind of checkpoint, and BinlogStream's own failures to start (a position the
// server never had or has purged, a dump request left unanswered, a session setting the server
// refuses), each as the typed error the session acts on. The session's reaction to them (a gap:
// one full invalidation) is events.test.ts's and faults.test.ts's.
import { createServer, type AddressInfo, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BinlogConnectionError } from '../../src/binlog/index.js'
import { BinlogGapError, BinlogStream } from '../../src/binlog/binlog-stream.js'
import type { BinlogCheckpoint } from '../../src/binlog/checkpoint-store.js'
import { checkServer, consistentPosition, verifyCheckpoint, type ServerFacts } from '../../src/binlog/server-checks.js'
import { startMysqlWireProxy } from '../helpers/mysql-wire-proxy.js'
import { openBinlogRig, type BinlogRig } from './helpers/binlog-rig.js'

let rig: BinlogRig
let facts: ServerFacts

beforeAll(async () => {
  rig = await openBinlogRig('stream-start')
  facts = await checkServer(rig.admin, 'app', 'contacts', 4711)
})

afterAll(async () => {
  await (rig as BinlogRig | undefined)?.close()
})

/** Where the server stands now, as a checkpoint of its own. */
async function here(): Promise<BinlogCheckpoint> {
  return { serverId: facts.serverId, ...(await consistentPosition(rig.admin)) }
}

/** Starts a stream from `gtid` and returns what `start()` rejected with (`undefined` if it started). */
async function startError(gtid: string, connection: object = rig.tailer, startTimeout = 5_000): Promise<unknown> {
  const stream = new BinlogStream(
    { connection, serverId: 4712, schema: 'app', table: 'contacts', heartbeatInterval: 1_000, startTimeout },
    { event: () => undefined, undecodable: () => undefined, failure: () => undefined },
  )
  try {
    await stream.start(gtid)
    return undefined
  } catch (error) {
    return error
  } finally {
    stream.stop()
  }
}

describe('G-BINLOG-GAP: whether a checkpoint can be resumed from on this server', () => {
  it("resumes from this server's own position, with its file and offset or by GTID alone", async () => {
    await rig.seed([[1, 1]])
    const checkpoint = await here()
    expect(checkpoint.file).toMatch(/\.\d+$/)
    expect(await verifyCheckpoint(rig.admin, checkpoint, facts)).toBeUndefined()
    expect(await verifyCheckpoint(rig.admin, { ...checkpoint, file: undefined, position: undefined }, facts)).toBeUndefined()
    expect(await verifyCheckpoint(rig.admin, { ...checkpoint, position: undefined }, facts)).toBeUndefined()
  })

  it('another server answers here: another server_id, a later file it never had, another GTID at the offset', async () => {
    const checkpoint = await here()
    const file = checkpoint.file as string
    const later = `${file.slice(0, file.lastIndexOf('.') + 1)}${Number(file.slice(file.lastIndexOf('.') + 1)) + 1000}`
    expect(await verifyCheckpoint(rig.admin, { ...checkpoint, serverId: facts.serverId + 1 }, facts)).toBe('server-changed')
    expect(await verifyCheckpoint(rig.admin, { ...checkpoint, file: later }, facts)).toBe('server-changed')
    expect(await verifyCheckpoint(rig.admin, { ...checkpoint, gtid: '0-1-999999' }, facts)).toBe('server-changed')
  })

  it('purged: a file older than the first the server keeps', async () => {
    const checkpoint = await here()
    const newest = await rig.purgeBinlogs()
    expect(checkpoint.file).not.toBe(newest)
    expect(await verifyCheckpoint(rig.admin, checkpoint, facts)).toBe('purged')
  })
})

describe("G-BINLOG-GAP: the stream's refusals when it starts", () => {
  it('a GTID the server never wrote: a BinlogGapError, server-changed', async () => {
    const error = await startError('0-1-999999')
    expect(error).toBeInstanceOf(BinlogGapError)
    expect(error).toMatchObject({
      name: 'BinlogGapError',
      reason: 'server-changed',
      message: 'The server does not have the requested position',
      cause: { errno: 1236 },
    })
  })

  it('a GTID in binlog files purged since: a BinlogGapError, purged', async () => {
    // Every file holding a transaction is purged: the first GTID is gone.
    await rig.seed([[1, 2]])
    await rig.purgeBinlogs()
    const error = await startError('0-1-1')
    expect(error).toMatchObject({
      name: 'BinlogGapError',
      reason: 'purged',
      message: 'The binlog was purged past the requested position',
      cause: { errno: 1236 },
    })
  })

  it('a server that accepts the connection and never answers: a BinlogConnectionError at startTimeout', async () => {
    const sockets = new Set<Socket>()
    const silent = createServer((socket) => { sockets.add(socket) })
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = silent.address() as AddressInfo
      const error = await startError('0-1-1', { host: '127.0.0.1', port, user: 'x' }, 300)
      expect(error).toBeInstanceOf(BinlogConnectionError)
      expect(error).toMatchObject({ message: 'The server sent nothing within 300 ms of the binlog dump request' })
    } finally {
      for (const socket of sockets) socket.destroy()
      silent.close()
    }
  })

  it('a server that refuses the heartbeat setting: the start fails with its error', async () => {
    // The proxy turns the SET into a statement the server cannot parse (same length: SET -> SEX).
    const proxy = await startMysqlWireProxy({ host: '127.0.0.1', port: rig.server.port }, (chunk) => {
      const at = chunk.indexOf('SET @master_heartbeat_period')
      if (at < 0) return chunk
      const changed = Buffer.from(chunk)
      changed.write('SEX', at)
      return changed
    })
    try {
      const error = await startError((await here()).gtid, { ...rig.tailer, port: proxy.port })
      expect(error).toMatchObject({ errno: 1064 })
    } finally {
      await proxy.close()
    }
  })
})
