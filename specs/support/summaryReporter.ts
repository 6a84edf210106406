/**
 * Mocha's spec reporter plus one last line CI can read: `N passed, N failed, N pending`.
 */
import Mocha from 'mocha';

const { Spec } = Mocha.reporters;
const { EVENT_RUN_END } = Mocha.Runner.constants;

class SummaryReporter extends Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats ?? { passes: 0, failures: 0, pending: 0 };
      // After the spec reporter's own epilogue.
      process.nextTick(() => console.log(`${s.passes} passed, ${s.failures} failed, ${s.pending} pending`));
    });
  }
}

export = SummaryReporter;
