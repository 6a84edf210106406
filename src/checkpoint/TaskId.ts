/**
 * A task's identity in a job (`<vertex>-<index>`, given by graph/buildExecutionPlan.ts).
 * Declared here, in the lowest layer that names tasks (a checkpoint is acknowledged task by
 * task), so that checkpoint/, metrics/, graph/ and runtime/ share one branded type
 * (docs/internals.md, the layers).
 */
export type TaskId = string & { readonly __brand: 'TaskId' };
