/**
 * State an operator kept, in an earlier build, under names it no longer reads, because what it
 * holds has another shape now. A restore that found such state and went on would start the
 * operator without it (or, read under the new names, wrong): it is refused before the job
 * runs, saying why, unless the user allows dropping state (allowNonRestoredState).
 */
export interface RetiredState {
  /** The state names of the former shape. */
  readonly names: readonly string[];
  /** Why the former state cannot be restored into this operator: the refusal quotes it. */
  readonly why: string;
}
