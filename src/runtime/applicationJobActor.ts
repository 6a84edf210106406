/**
 * A job's actor in the application's own actor system: named by the application, under the
 * system or actor it chose. Stopping it — directly, or by stopping its parent or its system —
 * cancels the job; the actor stops itself once the job has settled.
 *
 * Why a representative and not the job's tasks themselves: nact 7.6.2 neither stops the
 * children of a stopped actor or system (its `stop` passes concrete actors where references
 * are expected) nor offers death watch, and once a system is stopped no message reaches its
 * actors. The tasks therefore run in a runtime system the job controls, so that they can
 * always be torn down cleanly, and this actor watches that its parent is still there.
 */
import { absurd } from 'fp-ts/function';
import { Ref, dispatch, spawn, stop } from 'nact';
import { actorExists } from './nactInternals';

/** What the application may send the job's actor. */
export type ApplicationJobMsg =
  /** Cancel the job (as stopping the actor does). */
  | { readonly type: 'job.cancel' }
  /** Answer with the job's status now. */
  | { readonly type: 'job.status'; readonly replyTo: Ref<string> };

export interface ApplicationJobControls {
  status(): string;
  cancel(): void;
}

/** How often the actor checks that its parent (or system) still exists (nact has no death watch: nactInternals.ts). */
const WATCH_INTERVAL_MS = 100;

/**
 * Spawns the job's actor under `parent`; throws when `name` is taken there. `settled` resolves
 * when the job has settled; the actor then stops.
 */
export function spawnApplicationJobActor(parent: Ref<unknown>, name: string, controls: ApplicationJobControls, settled: Promise<unknown>): Ref<ApplicationJobMsg> {
  let watch: NodeJS.Timeout | undefined;
  let done = false;
  const release = () => {
    if (watch !== undefined) clearInterval(watch);
    watch = undefined;
  };
  const self = spawn(
    parent as Ref<never>,
    (state: undefined, msg: ApplicationJobMsg) => {
      switch (msg.type) {
        case 'job.cancel':
          controls.cancel();
          return state;
        case 'job.status':
          dispatch(msg.replyTo, controls.status());
          return state;
        default:
          return absurd(msg);
      }
    },
    name,
    {
      afterStop: () => {
        release();
        if (!done) controls.cancel();
      },
    },
  ) as Ref<ApplicationJobMsg>;
  watch = setInterval(() => {
    if (actorExists(parent) && actorExists(self)) return;
    release();
    if (!done) controls.cancel();
  }, WATCH_INTERVAL_MS);
  watch.unref();
  void settled.finally(() => {
    done = true;
    release();
    stop(self);
  });
  return self;
}
