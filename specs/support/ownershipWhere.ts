/** Waiting for an instance of a job over many processes to own what a spec expects. */
import type { Ownership } from '../../src/instances/Assignment';
import type { JobInstance } from '../../src/instances/joinInstances';

/** Resolves with the first ownership of `instance` (the current one included) that satisfies `condition`. */
export function ownershipWhere(instance: JobInstance, condition: (o: Ownership) => boolean): Promise<Ownership> {
  if (condition(instance.ownership())) return Promise.resolve(instance.ownership());
  return new Promise((resolve) => {
    const stop = instance.onOwnership((o) => {
      if (!condition(o)) return;
      stop();
      resolve(o);
    });
  });
}
