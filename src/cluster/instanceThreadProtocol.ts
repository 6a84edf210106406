/**
 * An instance with task managers on worker threads (`taskManagers` above 1 with `cluster`):
 * what its main thread and each of its task managers say to each other, and how the link to
 * the leader names the task manager a command is for and a message is from. Decoded with
 * io-ts on arrival, as all that crosses a thread or a process.
 */
import * as t from 'io-ts';
import { TaskManagerCommandCodec, TaskManagerMsgCodec } from './taskManagerProtocol';

/** From an instance's main thread to one of its task managers. */
export const InstanceThreadCommandCodec = t.union([
  /** A command of the leader's master of `epoch` for this task manager. */
  t.type({ type: t.literal('instance.command'), epoch: t.number, command: TaskManagerCommandCodec }),
  /** The instance's ownership changed: tasks of an older epoch, or of an instance that may have lost its lease, stop. */
  t.type({ type: t.literal('instance.ownership'), state: t.union([t.literal('joining'), t.literal('owning'), t.literal('fenced'), t.literal('left')]), epoch: t.number }),
  /** The instance stops: the task manager stops its tasks and its thread ends. */
  t.type({ type: t.literal('instance.close') }),
]);
export type InstanceThreadCommand = t.TypeOf<typeof InstanceThreadCommandCodec>;

/** From one of an instance's task managers (after it said it was ready): what it says to the master of `epoch`. */
export const InstanceThreadMsgCodec = t.type({ type: t.literal('instance.say'), epoch: t.number, msg: TaskManagerMsgCodec });
export type InstanceThreadMsg = t.TypeOf<typeof InstanceThreadMsgCodec>;

/**
 * What the link carries: a command for the instance (its only task manager, or its main
 * thread: the job's stop), or one for its task manager `thread`; the same for messages back.
 * Thread 0 of a one-thread instance is the plain kind, so that link is as it was.
 */
// Flat unions: a bad entry's problems name the kinds it is none of (decodeProblems.ts).
export const LinkCommandCodec = t.union([...TaskManagerCommandCodec.types, t.type({ type: t.literal('instance.thread'), thread: t.number, command: TaskManagerCommandCodec })]);
export type LinkCommand = t.TypeOf<typeof LinkCommandCodec>;
export const LinkMsgCodec = t.union([...TaskManagerMsgCodec.types, t.type({ type: t.literal('instance.thread'), thread: t.number, msg: TaskManagerMsgCodec })]);
export type LinkMsg = t.TypeOf<typeof LinkMsgCodec>;
