/**
 * In a task manager, the job master and the checkpoint coordinator are actors of another
 * thread: two small actors stand for them, so that tasks keep dispatching their reports to a
 * ref as in one thread. Each turns what it is sent into plain data and posts it to the job
 * master's thread, which decodes it (taskManagerProtocol.ts).
 */
import { Ref, spawnStateless } from 'nact';
import { CoordinatorMsg, CoordinatorRef } from '../checkpoint/coordinatorProtocol';
import { MasterMsg, MasterRef } from '../runtime/protocol';
import { toPlainError } from './plainError';
import { RemoteCoordinatorMsg, RemoteMasterMsg, TaskManagerMsg } from './taskManagerProtocol';

export function spawnMasterStandIn(system: Ref<unknown>, say: (msg: TaskManagerMsg) => void): MasterRef {
  return spawnStateless(system as Ref<never>, (msg: MasterMsg) => {
    switch (msg.type) {
      case 'task.failed':
        return say({ type: 'taskManager.toMaster', msg: { ...msg, error: toPlainError(msg.error) } });
      case 'task.drained':
      case 'task.finished':
      case 'task.closed':
        // Its readonly types are the codec's mutable ones once decoded on the other side.
        return say({ type: 'taskManager.toMaster', msg: msg as unknown as RemoteMasterMsg });
      default:
        throw new Error(`a task of a task manager sent the job master '${msg.type}', which only the master's thread sends`);
    }
  }, 'job-master') as MasterRef;
}

export function spawnCoordinatorStandIn(system: Ref<unknown>, say: (msg: TaskManagerMsg) => void): CoordinatorRef {
  return spawnStateless(system as Ref<never>, (msg: CoordinatorMsg) => {
    switch (msg.type) {
      case 'checkpoint.ack':
      case 'checkpoint.decline':
        return say({ type: 'taskManager.toCoordinator', msg: msg as unknown as RemoteCoordinatorMsg });
      default:
        throw new Error(`a task of a task manager sent the checkpoint coordinator '${msg.type}', which only the master's thread sends`);
    }
  }, 'checkpoint-coordinator') as CoordinatorRef;
}
