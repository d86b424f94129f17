'use strict';
/**
 * Mocha's `spec` reporter, plus one final line that CI can grep: `N passed, N failed` (and `, N skipped`
 * when tests are pending). It is the last line the reporter prints.
 */
const Mocha = require('mocha');

const { Spec } = Mocha.reporters;
const { EVENT_RUN_END } = Mocha.Runner.constants;

class SummaryReporter extends Spec {
  constructor(runner, options) {
    super(runner, options); // Spec prints its epilogue (failure details) on EVENT_RUN_END first
    runner.once(EVENT_RUN_END, () => {
      const { passes = 0, failures = 0, pending = 0 } = this.stats ?? runner.stats ?? {};
      const skipped = pending > 0 ? `, ${pending} skipped` : '';
      Mocha.reporters.Base.consoleLog(`${passes} passed, ${failures} failed${skipped}`);
    });
  }
}

module.exports = SummaryReporter;
