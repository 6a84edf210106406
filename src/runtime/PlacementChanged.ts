/**
 * Why an attempt ended when the job's tasks were placed anew: over instances, an instance died,
 * joined or left, or a new leader took office (a new epoch). The job restarts on the new
 * placement from its last completed checkpoint at once, and the restart strategy does not count
 * it: scaling a job or rolling its instances is not a failure, and must not use up the
 * restarts a bounded strategy allows for real ones (failoverPolicy.ts).
 */
export class PlacementChanged extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlacementChanged';
  }
}
