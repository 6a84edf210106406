/** Side-output emission checked against the tags a function declared. */
import { Output } from '../../graph/StreamOperator';
import { OutputTag } from '../../graph/OutputTag';

export function sideOutputEmitter(operator: string, declared: readonly OutputTag<unknown>[], out: () => Output<unknown>) {
  const ids = new Set(declared.map((t) => t.id));
  return <X>(tag: OutputTag<X>, value: X): void => {
    if (!ids.has(tag.id)) {
      throw new Error(`operator '${operator}' wrote to side output '${tag.id}', which its function does not list in sideOutputTags`);
    }
    out().collectSide(tag.id, value);
  };
}
