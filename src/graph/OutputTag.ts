/**
 * Names a side output and its record type. A function lists the tags it emits to in
 * `sideOutputTags`; `getSideOutput(tag)` on its stream reads them.
 *
 * @example
 * const heavy = new OutputTag<string>('heavy-users');
 */
export class OutputTag<T> {
  /** Only for type inference; never set. */
  declare readonly __type: T;
  constructor(readonly id: string) {
    if (id.length === 0) throw new Error('an OutputTag needs a non-empty id');
  }
}
