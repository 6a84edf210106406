/**
 * Checks the supervision strategies of a topology against what they can promise, so that a
 * bad combination is refused before the job starts, with every problem listed.
 */
import type { CheckpointingMode } from '../checkpoint/CheckpointTypes';
import { StreamNode } from './StreamNode';
import { TopologyProblem } from './TopologyProblem';

export function supervisionProblems(nodes: readonly StreamNode[], checkpointing: CheckpointingMode | undefined): TopologyProblem[] {
  const problems: TopologyProblem[] = [];
  for (const node of nodes) {
    const strategy = node.supervision;
    if (strategy === undefined) continue;
    const problem = (reason: string) => problems.push({ _tag: 'InvalidSupervision', operator: node.name, strategy: strategy.toString(), reason });
    const { directive, limit } = strategy;
    if (node.role.kind !== 'operator' && directive === 'resume') {
      problem(`a ${node.role.kind} has no single failing record to skip; resume applies to operators`);
    }
    if (node.role.kind === 'source' && directive === 'restartTask') {
      problem('a source task cannot be restarted alone; use restartJob');
    }
    if (directive === 'restartTask' && (checkpointing === 'exactly-once' || checkpointing === 'at-least-once')) {
      problem(
        `restarting one task cannot replay the input it consumed since the last checkpoint, which ${checkpointing} promises; ` +
          "use restartJob, or at-most-once checkpoints (or none) where losing that task's recent effects is acceptable",
      );
    }
    if (limit !== undefined) {
      if (directive === 'restartJob' || directive === 'stop') problem('a limit applies to resume and restartTask; the job\'s restart strategy limits job restarts');
      if (!Number.isInteger(limit.maxRestarts) || limit.maxRestarts < 1) problem(`maxRestarts must be a positive integer, got ${limit.maxRestarts}`);
      if (!(Number.isFinite(limit.withinMs) && limit.withinMs > 0)) problem(`withinMs must be a positive number of milliseconds, got ${limit.withinMs}`);
    }
  }
  return problems;
}
