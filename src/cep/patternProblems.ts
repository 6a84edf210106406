/**
 * What makes a pattern malformed, in words that name the stage and the fix; CEP.pattern
 * refuses such a pattern when the job is built, with every problem listed.
 */
import { Pattern } from './Pattern';
import { Stage } from './Stage';

export function patternProblems(pattern: Pattern<unknown>): string[] {
  const problems = [...pattern.buildProblems];
  const stages = pattern.stages;
  const names = new Set<string>();
  stages.forEach((s, i) => {
    if (s.name.length === 0) problems.push(`stage ${i + 1} has an empty name`);
    else if (names.has(s.name)) problems.push(`stage name '${s.name}' is used twice; give each stage its own name`);
    names.add(s.name);
    if (s.negative) problems.push(...negativeProblems(pattern, i));
    else problems.push(...positiveProblems(stages, i));
  });
  if (stages.every((s) => s.negative || s.optional)) problems.push('every stage is optional: a pattern must take at least one event');
  problems.push(...skipProblems(pattern));
  return problems;
}

function skipProblems(pattern: Pattern<unknown>): string[] {
  const skip = pattern.skipStrategy;
  if (skip.kind === 'noSkip') return [];
  const problems: string[] = [];
  const stages = pattern.stages;
  if (stages[stages.length - 1].negative) problems.push(`a pattern that ends with notNext or notFollowedBy reports every match: the skip strategy ${skip.kind} does not apply to it yet`);
  if (skip.kind === 'skipToFirst' || skip.kind === 'skipToLast') {
    const target = stages.find((s) => s.name === skip.stage && !s.negative);
    const call = `${skip.kind}('${skip.stage}')`;
    if (target === undefined) problems.push(`${call} names no stage that takes events (stages: ${stages.filter((s) => !s.negative).map((s) => s.name).join(', ')})`);
    else if (target.optional) problems.push(`${call}: stage '${skip.stage}' is optional, and a match where it takes no event would have nowhere to skip to`);
    else if (target === stages[0] && (skip.kind === 'skipToFirst' || target.max === 1)) problems.push(`${call}: skipping to the first event of a match would find the same match again`);
  }
  return problems;
}

function negativeProblems(pattern: Pattern<unknown>, i: number): string[] {
  const stages = pattern.stages;
  const s = stages[i];
  const kind = s.contiguity === 'strict' ? 'notNext' : 'notFollowedBy';
  const problems: string[] = [];
  if (s.quantified || s.optional || s.greedy || s.inner !== 'relaxed') {
    problems.push(`${kind}('${s.name}') takes no event: quantifiers, optional, greedy, consecutive and allowCombinations do not apply to it`);
  }
  const before = [...stages.slice(0, i)].reverse().find((p) => !p.negative);
  const after = stages.slice(i + 1).find((p) => !p.negative);
  if (after === undefined && pattern.windowMs === undefined) {
    problems.push(`a pattern that ends with ${kind}('${s.name}') needs within(...): its matches are known only when their window closes`);
  }
  if (before?.optional === true || after?.optional === true) {
    problems.push(`${kind}('${s.name}') must stand between two stages that are not optional`);
  }
  return problems;
}

function positiveProblems(stages: readonly Stage<unknown>[], i: number): string[] {
  const s = stages[i];
  const problems: string[] = [];
  const loops = s.quantified && s.max > 1;
  if (s.greedy && !loops) problems.push(`greedy applies to a stage that takes several events (oneOrMore, times); '${s.name}' takes one`);
  if (s.greedy && s.inner === 'any') problems.push(`stage '${s.name}': greedy and allowCombinations exclude each other`);
  if (s.greedy && !stages.slice(i + 1).some((p) => !p.negative)) problems.push(`greedy stage '${s.name}' needs a stage after it`);
  if (s.inner !== 'relaxed' && !loops) problems.push(`consecutive and allowCombinations apply to a stage that takes several events; '${s.name}' takes one`);
  return problems;
}
