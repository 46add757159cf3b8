// The public face of the pure core: state, commands, the reducer, queries and invariants.

export type { Command, CommandType, HolderRef } from "./commands.js";
export { ERROR_CODES, Rejection, type ErrorCode, type ErrorReply } from "./errors.js";
export { checkInvariants, type Violation } from "./invariants.js";
export { statusOf } from "./lifecycle.js";
export { presentReply } from "./present.js";
export {
  describeAgent, describeDispatcher, describeJob, describeQuota, listQueue,
} from "./queries.js";
export {
  DEFAULT_QUEUE_OPTIONS, foldCommands, initialState, parseQueueOptions, reduce,
  type Fold, type QueueOptionsInput, type Reduction, type Reply,
} from "./reduce.js";
export { isDead } from "./dispatchers.js";
export { queueJobIds, queueLength } from "./queue-store.js";
export { isBuiltInTask, isSystemTask, runBuiltInTask } from "./tasks.js";
export {
  checkTimeRange, formatDuration, formatTime, isDurationText, parseDuration, parseTime,
  type Micros,
} from "./time.js";
export type * from "./types.js";
export { decodeState, encodeState, SnapshotFormatError, stateDigest } from "./snapshot.js";
