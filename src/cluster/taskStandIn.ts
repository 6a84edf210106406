/**
 * In the job master's thread, a task that runs in a task manager is a small actor standing for
 * it: the master and the checkpoint coordinator keep sending to a TaskRef, and the stand-in
 * posts what they send to the task's thread as plain data. A question (counters, metrics, hot
 * keys) goes with a request number; the answer comes back to the one who asked. Stopping the
 * stand-in stops the task.
 */
import { Ref, spawn } from 'nact';
import { TaskId } from '../checkpoint/TaskId';
import { TaskMsg, TaskRef } from '../runtime/protocol';
import { Question, RemoteTaskMsg } from './taskManagerProtocol';

/** What a stand-in needs of the task manager its task runs on. */
export interface TaskManagerLink {
  tell(attempt: number, task: TaskId, msg: RemoteTaskMsg): void;
  ask(attempt: number, task: TaskId, question: Question, replyTo: Ref<unknown>): void;
  /** `incarnation`: how many times the task restarted alone before this stand-in's; a superseded one stops nothing. */
  stopTask(attempt: number, task: TaskId, incarnation: number): void;
}

function remote(msg: TaskMsg): RemoteTaskMsg | Question | undefined {
  switch (msg.type) {
    case 'checkpoint.trigger':
      return msg.suspend === undefined ? { type: msg.type, id: msg.id } : { type: msg.type, id: msg.id, suspend: msg.suspend };
    case 'checkpoint.completed':
      return { type: msg.type, id: msg.id, final: msg.final };
    case 'checkpoint.aborted':
      return { type: msg.type, id: msg.id };
    case 'source.end':
      return { type: msg.type };
    case 'task.crash':
      return { type: msg.type, reason: msg.reason };
    case 'task.report':
    case 'task.metrics':
      return { type: msg.type };
    case 'task.hotKeys':
      return { type: msg.type, limit: msg.limit };
    default:
      return undefined;
  }
}

export function spawnTaskStandIn(parent: Ref<unknown>, name: string, attempt: number, task: TaskId, link: TaskManagerLink, incarnation = 0): TaskRef {
  return spawn(
    parent as Ref<never>,
    (state: null, msg: TaskMsg) => {
      const plain = remote(msg);
      if (plain === undefined) throw new Error(`task ${task} runs in a task manager: '${msg.type}' does not go to it from the job master's thread`);
      if (plain.type === 'task.report' || plain.type === 'task.metrics' || plain.type === 'task.hotKeys') link.ask(attempt, task, plain, (msg as { replyTo: Ref<unknown> }).replyTo);
      else link.tell(attempt, task, plain);
      return state;
    },
    name,
    { initialState: null, afterStop: () => link.stopTask(attempt, task, incarnation) },
  ) as TaskRef;
}
