/**
 * What a task manager's thread starts with and what it says back, decoded with io-ts on
 * arrival at either side (a message from another thread is outside input).
 */
import * as t from 'io-ts';
import { PlanShapeCodec } from './planShape';
import { TASK_MANAGER_MARKER } from './taskManagerIdentity';

/** A task manager's start data (its `workerData`). */
export const TaskManagerSetupCodec = t.type({
  kind: t.literal(TASK_MANAGER_MARKER),
  index: t.number,
  count: t.number,
  /** The job's module (absolute path) and the job's name in it (defineJob). */
  module: t.string,
  job: t.string,
  jobName: t.string,
  /** The job's parameters and the environment's options, as given in the application's thread. */
  params: t.unknown,
  environment: t.unknown,
});
export type TaskManagerSetup = t.TypeOf<typeof TaskManagerSetupCodec>;

/** From a task manager to the job master's thread. */
export const TaskManagerMsgCodec = t.union([
  /** The job module was imported and the graph built: its shape, to be checked against the master's. */
  t.type({ type: t.literal('taskManager.ready'), index: t.number, shape: PlanShapeCodec }),
  /** The job could not be built in this thread, and why. */
  t.type({ type: t.literal('taskManager.refused'), index: t.number, reason: t.string }),
]);
export type TaskManagerMsg = t.TypeOf<typeof TaskManagerMsgCodec>;

/** From the job master's thread to a task manager. */
export const TaskManagerCommandCodec = t.type({ type: t.literal('taskManager.stop') });
export type TaskManagerCommand = t.TypeOf<typeof TaskManagerCommandCodec>;
