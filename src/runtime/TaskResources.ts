/**
 * What a task opened and must release: its timers, operators, source reader and keyed
 * backend. Filled in while the task is wired, so that a task whose wiring failed half-way
 * releases what it had opened; closed once, by the task actor's single teardown.
 */
import { SourceReader } from '../graph/Source';
import { KeyedStateBackend } from '../state/KeyedStateBackend';
import { OperatorChain } from './OperatorChain';
import { TaskTimers } from '../time/ProcessingTimeService';

export class TaskResources {
  chain: OperatorChain | undefined;
  reader: SourceReader<unknown> | undefined;
  keyedState: KeyedStateBackend | undefined;

  constructor(readonly timers: TaskTimers) {}

  /** Releases everything, even when one release fails; the first error is rethrown. */
  async close(): Promise<void> {
    this.timers.close();
    let first: unknown;
    const attempt = async (f: () => unknown) => {
      try {
        await f();
      } catch (e) {
        first ??= e;
      }
    };
    await attempt(() => this.chain?.close());
    await attempt(() => this.reader?.close?.());
    await attempt(() => this.keyedState?.dispose());
    if (first !== undefined) throw first;
  }
}
