/**
 * The job master: supervisor of all tasks of one job. It creates a task actor per planned
 * task, wires their channels, follows the job lifecycle, and settles the job once every task
 * has closed. Tasks report facts to it (finished, failed, closed); it never reaches into them.
 */
import { Ref, dispatch, query, spawn, stop } from 'nact';
import { createActor } from 'xstate';
import { ExecutionPlan, TaskId } from '../graph/ExecutionPlan';
import { JobCounters, TaskCounters, sumCounters } from '../metrics/TaskCounters';
import { KeyedStateBackendFactory } from './Task';
import { JobStatus, jobLifecycle } from './jobLifecycle';
import { MasterMsg, MasterRef, TaskFinished, TaskRef } from './protocol';
import { spawnTask } from './taskActor';

export interface JobOutcome {
  readonly status: 'finished' | 'failed' | 'cancelled';
  /** The first failure, for a failed job. */
  readonly error: Error | undefined;
  readonly counters: JobCounters;
  /** Records gathered by collecting sinks, by node id, in instance order. */
  readonly collected: ReadonlyMap<number, unknown[]>;
}

export interface JobMasterDeps {
  readonly plan: ExecutionPlan;
  readonly createKeyedStateBackend: KeyedStateBackendFactory;
  readonly onStatus: (status: JobStatus) => void;
  readonly onSettled: (outcome: JobOutcome) => void;
}

/** How long the master waits for a task to answer a counters request. */
const REPORT_TIMEOUT_MS = 5000;

class JobMaster {
  private readonly tasks = new Map<TaskId, TaskRef>();
  private readonly finished = new Map<TaskId, TaskFinished>();
  private readonly closed = new Set<TaskId>();
  private readonly lifecycle = createActor(jobLifecycle);
  private error: Error | undefined;
  private stopping = false;

  constructor(private readonly deps: JobMasterDeps, private readonly self: MasterRef) {
    this.lifecycle.subscribe((snapshot) => deps.onStatus(snapshot.value as JobStatus));
    this.lifecycle.start();
    for (const task of deps.plan.tasks) {
      this.tasks.set(task.id, spawnTask(self, { plan: deps.plan, task, master: self, createKeyedStateBackend: deps.createKeyedStateBackend }));
    }
    const refOf = (id: TaskId) => this.tasks.get(id)!;
    for (const task of deps.plan.tasks) {
      dispatch(refOf(task.id), {
        type: 'task.wire',
        inputs: task.inputs.map((end) => refOf(end.task)),
        outputs: task.outputs.flatMap((edge) => edge.channels.map((end) => refOf(end.task))),
      });
    }
    this.lifecycle.send({ type: 'job.started' });
  }

  private status(): JobStatus {
    return this.lifecycle.getSnapshot().value as JobStatus;
  }

  handle(msg: MasterMsg): void {
    switch (msg.type) {
      case 'task.finished':
        this.finished.set(msg.report.task, msg.report);
        if (this.finished.size === this.tasks.size) {
          this.lifecycle.send({ type: 'tasks.finished' });
          this.stopTasks();
        }
        return;
      case 'task.failed':
        this.error ??= msg.error;
        this.lifecycle.send({ type: 'task.failed' });
        if (this.status() === 'failing') this.stopTasks();
        return;
      case 'job.cancel':
        this.lifecycle.send({ type: 'job.cancel' });
        if (this.status() === 'cancelling') this.stopTasks();
        return;
      case 'task.closed':
        this.closed.add(msg.task);
        if (this.closed.size === this.tasks.size) this.settle();
        return;
      case 'job.counters':
        void this.counters().then((c) => dispatch(msg.replyTo, c));
        return;
    }
  }

  private stopTasks(): void {
    if (this.stopping) return;
    this.stopping = true;
    for (const ref of this.tasks.values()) stop(ref);
  }

  private async counters(): Promise<JobCounters> {
    const reports = await Promise.all(
      [...this.tasks].map(([id, ref]) =>
        this.finished.has(id) || this.stopping
          ? Promise.resolve(this.finished.get(id)?.counters)
          : query(ref, (replyTo: Ref<TaskCounters>) => ({ type: 'task.report' as const, replyTo }), REPORT_TIMEOUT_MS).catch(() => undefined),
      ),
    );
    return sumCounters(reports.filter((r): r is TaskCounters => r !== undefined));
  }

  private settle(): void {
    this.lifecycle.send({ type: 'tasks.closed' });
    const status = this.status();
    const collected = new Map<number, unknown[]>();
    // Plan order is instance order, so collected records come out by instance.
    for (const task of this.deps.plan.tasks) {
      for (const [node, records] of this.finished.get(task.id)?.collected ?? []) {
        const all = collected.get(node) ?? [];
        for (const r of records) all.push(r);
        collected.set(node, all);
      }
    }
    this.deps.onSettled({
      status: status === 'finished' ? 'finished' : status === 'cancelled' ? 'cancelled' : 'failed',
      error: status === 'failed' ? this.error : undefined,
      counters: sumCounters([...this.finished.values()].map((f) => f.counters)),
      collected,
    });
    this.lifecycle.stop();
    stop(this.self);
  }
}

export function spawnJobMaster(parent: Ref<unknown>, name: string, deps: JobMasterDeps): MasterRef {
  return spawn(
    parent as Ref<never>,
    (master: JobMaster, msg: MasterMsg) => {
      master.handle(msg);
      return master;
    },
    name,
    {
      initialStateFunc: (ctx) => new JobMaster(deps, ctx.self as MasterRef),
      onCrash: (_msg, error, ctx) => {
        // A master crash is a bug of ours; settle the job as failed rather than hang it.
        try {
          deps.onSettled({ status: 'failed', error: error ?? new Error('job master crashed'), counters: { operators: {} }, collected: new Map() });
        } catch {
          // Nothing more can be done from here.
        }
        return ctx.stop;
      },
    },
  ) as MasterRef;
}
