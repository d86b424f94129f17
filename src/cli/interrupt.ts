import { EXIT } from './errors.js';

/**
 * Ctrl-C (SIGINT) and SIGTERM abort the returned signal: the command stops its work, says what it did
 * and returns. A second Ctrl-C quits at once (exit code 130). `dispose` removes the handlers.
 */
export function interruptSignal(notice: (text: string) => void): {
  signal: AbortSignal;
  dispose: () => void;
} {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    notice('stopping… (Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
