/**
 * Everything that makes a topology unable to run, as values. Validation collects all of them
 * so the user sees every problem at once, before anything starts.
 */
import { absurd } from 'fp-ts/function';

export type TopologyProblem =
  | { readonly _tag: 'NoSink' }
  | { readonly _tag: 'ParallelismOutOfRange'; readonly operator: string; readonly parallelism: number; readonly maxParallelism: number }
  | { readonly _tag: 'NonParallelSource'; readonly operator: string; readonly parallelism: number }
  | { readonly _tag: 'UnknownSideOutput'; readonly operator: string; readonly tag: string; readonly declared: readonly string[] }
  | { readonly _tag: 'KeyedFunctionOnNonKeyedStream'; readonly operator: string }
  | { readonly _tag: 'DuplicateUid'; readonly uid: string; readonly operators: readonly string[] }
  | { readonly _tag: 'ForeignStream'; readonly operator: string }
  | { readonly _tag: 'InvalidSetting'; readonly operator: string; readonly setting: string; readonly reason: string }
  | { readonly _tag: 'InvalidSupervision'; readonly operator: string; readonly strategy: string; readonly reason: string }
  | { readonly _tag: 'InvalidBroadcast'; readonly operator: string; readonly reason: string }
  | { readonly _tag: 'InvalidPattern'; readonly operator: string; readonly reason: string };

/** The problem in words, with what to do about it. */
export function describeProblem(p: TopologyProblem): string {
  switch (p._tag) {
    case 'NoSink':
      return 'the job has no sink: add sinkTo(...), print() or use executeAndCollect()';
    case 'ParallelismOutOfRange':
      return `operator '${p.operator}': parallelism ${p.parallelism} is not an integer in 1..maxParallelism (${p.maxParallelism})`;
    case 'NonParallelSource':
      return `operator '${p.operator}': this source is not parallel and cannot run with parallelism ${p.parallelism}; use 1, or rebalance() after it`;
    case 'UnknownSideOutput':
      return (
        `operator '${p.operator}' has no side output '${p.tag}' ` +
        `(declared: ${p.declared.length === 0 ? 'none' : p.declared.map((t) => `'${t}'`).join(', ')}); ` +
        `list the tag in the function's sideOutputTags`
      );
    case 'KeyedFunctionOnNonKeyedStream':
      return `operator '${p.operator}': a KeyedProcessFunction needs a keyed stream; call keyBy(...) before process(...)`;
    case 'DuplicateUid':
      return `uid '${p.uid}' is used by more than one operator (${p.operators.map((o) => `'${o}'`).join(', ')}); uids must be unique`;
    case 'ForeignStream':
      return `operator '${p.operator}': a stream from another StreamEnvironment cannot be combined with this one`;
    case 'InvalidSetting':
      return `operator '${p.operator}': ${p.setting} ${p.reason}`;
    case 'InvalidSupervision':
      return `operator '${p.operator}': supervision strategy ${p.strategy}: ${p.reason}`;
    case 'InvalidBroadcast':
      return `operator '${p.operator}': ${p.reason}`;
    case 'InvalidPattern':
      return `operator '${p.operator}': pattern: ${p.reason}`;
    default:
      return absurd(p);
  }
}

/** A topology refused before it started, listing every problem found. */
export class InvalidTopologyError extends Error {
  readonly _tag = 'InvalidTopologyError';
  constructor(readonly problems: readonly TopologyProblem[]) {
    super(`the job cannot run (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${describeProblem(p)}`).join('\n')}`);
    this.name = 'InvalidTopologyError';
  }
}
