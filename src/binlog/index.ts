export { createBinlogInvalidationSource } from './binlog-invalidation-source.js'
export type { BinlogInvalidationSource, BinlogInvalidationSourceStats } from './binlog-invalidation-source.js'
export type {
  BinlogInvalidationSourceOptions,
  BinlogLeaseOptions,
  InvalidationTarget,
} from './binlog-invalidation-source-options.js'
export { memoryCheckpointStore, redisCheckpointStore } from './checkpoint-store.js'
export type { BinlogCheckpoint, CheckpointStore, RedisCheckpointStoreOptions } from './checkpoint-store.js'
export type { BinlogPosition } from './binlog-position.js'
export { BINLOG_CHANNELS } from './diagnostics.js'
export type {
  BinlogGapEvent,
  BinlogInvalidateEvent,
  BinlogRestartEvent,
  BinlogSourceState,
  BinlogStateEvent,
  GapReason,
} from './diagnostics.js'
export type { FullInvalidationReason } from './change-set.js'
export {
  BinlogConnectionError,
  BinlogPrivilegeError,
  BinlogSourceClosedError,
  BinlogSourceError,
  BinlogUnsafeServerError,
} from './errors.js'
export type { BinlogSourceErrorCode } from './errors.js'
