/**
 * io-ts decoding errors as short lines, one per problem, for values of protocols whose kinds
 * are unions told apart by `type`: io-ts reports a value's problems against every kind of the
 * union, each naming the whole union, pages of noise for one wrong field. Here a kind whose
 * `type` literal did not match is left out, so the lines speak of the kind the value claims to
 * be; a value of no kind is told so, with the kinds there are.
 */
import * as t from 'io-ts';

/** The problems of a value the codec refused, each `path: expected …, got …`. */
export function decodeProblems(errors: t.Errors): string[] {
  return problemsAt(errors, 0);
}

/** Problems of errors that share their context up to `depth` (excluded). */
function problemsAt(errors: readonly t.ValidationError[], depth: number): string[] {
  const leaves = errors.filter((e) => e.context.length === depth + 1);
  const deeper = errors.filter((e) => e.context.length > depth + 1);
  const here = errors[0]?.context[depth];
  if (here === undefined) return [];
  if (here.type instanceof t.UnionType && deeper.length > 0) return unionProblems(deeper, depth, here);
  const out = leaves.map((e) => leafProblem(e.context, depth));
  for (const group of groupBy(deeper, (e) => e.context[depth + 1].key)) out.push(...problemsAt(group, depth + 1));
  return out;
}

/** The branches of the union at `depth` whose `type` matched; none: the value is of no kind. */
function unionProblems(errors: readonly t.ValidationError[], depth: number, union: t.ContextEntry): string[] {
  const branches = groupBy(errors, (e) => e.context[depth + 1].key);
  // The branch's own `type` (through intersections only: a nested union's `type` is another matter).
  const kindMissed = (e: t.ValidationError) => {
    const last = e.context[e.context.length - 1];
    if (last.key !== 'type' || !(last.type instanceof t.LiteralType)) return false;
    for (let j = depth + 1; j < e.context.length - 2; j++) if (!(e.context[j].type instanceof t.IntersectionType)) return false;
    return true;
  };
  const matching = branches.filter((branch) => !branch.some(kindMissed));
  if (matching.length === 0) {
    const kinds = branches.map((b) => (b.find(kindMissed)?.context.at(-1)?.type as t.LiteralType<string>).value);
    const type = typeof union.actual === 'object' && union.actual !== null ? (union.actual as { type?: unknown }).type : undefined;
    return [`${pathOf(errors[0].context, depth)}: type ${shown(type)} is none of ${kinds.join(', ')}`];
  }
  // Branches that failed as a whole (t.union([t.string, t.null])) say it once, as the union.
  if (matching.every((b) => b.every((e) => e.context.length === depth + 2))) return [leafProblem(errors[0].context, depth)];
  return matching.flatMap((branch) => problemsAt(branch, depth + 1));
}

/**
 * What failed at context entry `depth`: a value of no kind of a union told apart by `type` (io-ts
 * reports a tagged union's unknown tag as one error there), or a value not of the type.
 */
function leafProblem(context: t.Context, depth: number): string {
  const { type, actual } = context[depth];
  const path = pathOf(context, depth);
  const kinds = type instanceof t.UnionType ? kindsOf(type as t.UnionType<t.Mixed[]>) : [];
  const claimed = typeof actual === 'object' && actual !== null ? (actual as { type?: unknown }).type : undefined;
  if (kinds.length > 0 && claimed !== undefined) return `${path}: type ${shown(claimed)} is none of ${kinds.join(', ')}`;
  const name = type.name.length > 120 ? `${type.name.slice(0, 117)}...` : type.name;
  return `${path}: expected ${name}, got ${shown(actual)}`;
}

/** The `type` literals of a union's members, or none when a member has no such literal. */
function kindsOf(union: t.UnionType<t.Mixed[]>): string[] {
  const kindOf = (codec: t.Mixed): string | undefined => {
    if (codec instanceof t.InterfaceType) {
      const literal = (codec.props as Record<string, t.Mixed>).type;
      return literal instanceof t.LiteralType ? String(literal.value) : undefined;
    }
    if (codec instanceof t.IntersectionType) return (codec.types as t.Mixed[]).map(kindOf).find((k) => k !== undefined);
    if (codec instanceof t.ReadonlyType) return kindOf(codec.type as t.Mixed);
    return undefined;
  };
  const kinds = union.types.map(kindOf);
  return kinds.every((k): k is string => k !== undefined) ? kinds : [];
}

/** The field path of context entries 1..depth, leaving out the positions of union and intersection members. */
function pathOf(context: t.Context, depth: number): string {
  const keys: string[] = [];
  for (let i = 1; i <= depth; i++) {
    const parent = context[i - 1].type;
    if (parent instanceof t.UnionType || parent instanceof t.IntersectionType) continue;
    keys.push(context[i].key);
  }
  return keys.length === 0 ? 'the value' : keys.join('.');
}

function shown(u: unknown): string {
  let text: string;
  try {
    text = u === undefined ? 'undefined' : typeof u === 'bigint' ? `${u}n` : (JSON.stringify(u) ?? String(u));
  } catch {
    text = String(u);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function groupBy<A>(items: readonly A[], key: (a: A) => string): A[][] {
  const groups = new Map<string, A[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [item]);
    else group.push(item);
  }
  return [...groups.values()];
}
