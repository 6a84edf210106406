/**
 * Key prefetch for a remote keyed backend (Redis): the keys of a batch are loaded before the
 * batch is processed, and the keys of the next queued batch start loading while this one is,
 * so that the backend's round trip overlaps the work instead of stalling the task. Exists only
 * for a backend that prefetches; the memory backend has nothing to wait for.
 */
import { KeySelector } from '../graph/Partitioning';
import { KeyedStateBackend } from '../state/KeyedStateBackend';
import { InputItem } from './InputGate';

type Prefetch = Required<Pick<KeyedStateBackend, 'prefetch'>>['prefetch'];
type RecordsItem = Extract<InputItem, { type: 'records' }>;

export class KeyPrefetcher {
  /** Prefetches asked of the backend so far (each is one of its batch generations). */
  private prefetches = 0;
  /** The next queued batch, whose keys are loading while the current batch is processed. */
  private ahead: { readonly item: RecordsItem; readonly at: number; readonly loading: Promise<void> | undefined } | undefined;

  private constructor(
    private readonly backend: { readonly prefetch: Prefetch; readonly prefetchesAsked: () => number | undefined },
    private readonly selector: KeySelector,
  ) {}

  /** Prefetches asked of the backend so far: by this prefetcher, or by an operator too when the backend counts them. */
  private get asked(): number {
    return this.backend.prefetchesAsked() ?? this.prefetches;
  }

  /** A prefetcher when the backend prefetches and the chain has a keyed operator; undefined otherwise. */
  static of(backend: KeyedStateBackend | undefined, selector: KeySelector | undefined): KeyPrefetcher | undefined {
    const prefetch = backend?.prefetch;
    if (backend === undefined || prefetch === undefined || selector === undefined) return undefined;
    return new KeyPrefetcher({ prefetch: (keys) => prefetch.call(backend, keys), prefetchesAsked: () => backend.prefetchesAsked }, selector);
  }

  /** Loads the keys of `records`; resolves once they are in the backend's cache. */
  prefetch(records: readonly unknown[]): Promise<void> | undefined {
    const selector = this.selector;
    this.prefetches++;
    return this.backend.prefetch(records.map((r) => selector(r)));
  }

  /**
   * The load of `item`, about to be processed: the one started ahead for it when no other
   * prefetch came since (then the one started next, for the batch after, is the only newer one,
   * and a backend keeps the entries of its last two batches), a new prefetch otherwise. Starts
   * loading `next` meanwhile.
   */
  load(item: RecordsItem, next: InputItem | undefined): Promise<void> | undefined {
    const ahead = this.ahead;
    this.ahead = undefined;
    const loading = ahead !== undefined && ahead.item === item && ahead.at === this.asked ? ahead.loading : this.prefetch(item.records);
    if (next?.type === 'records') {
      const nextLoading = this.prefetch(next.records);
      // Awaited when that batch is processed; a failure left unawaited (the batch never processed here) is not unhandled.
      nextLoading?.catch(() => undefined);
      this.ahead = { item: next, at: this.asked, loading: nextLoading };
    }
    return loading;
  }
}
