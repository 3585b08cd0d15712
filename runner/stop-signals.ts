/**
 * Ctrl-C (SIGINT) or a CI job's cancel (SIGTERM) during a long command
 * (`socklab grade`, one submission or a class): the first stops the work
 * through an AbortSignal, so that the command ends what runs, closes its
 * sandboxes and says what it has; a second signal of either kind takes
 * Node's default and quits at once.
 */

/** What a command holds while it listens for the signals. */
export interface StopSignals {
  /** Aborted at the first signal. */
  signal: AbortSignal;
  /** The shell's exit code for the signal that stopped the command (130 for SIGINT, 143 for SIGTERM), 0 if none did. */
  exitCode(): number;
  /** Stops listening: a signal after it takes Node's default. Call it once the work is over. */
  dispose(): void;
}

/** Listens for SIGINT and SIGTERM; `onStop` is called at the first (to say that the command is stopping). */
export function stopOnSignals(onStop: () => void): StopSignals {
  const stop = new AbortController();
  let code = 0;
  const onSignal = (exitCode: number) => () => {
    // Either signal next takes Node's default: it quits.
    dispose();
    code = exitCode;
    onStop();
    stop.abort();
  };
  const onInt = onSignal(130);
  const onTerm = onSignal(143);
  const dispose = () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  };
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);
  return { signal: stop.signal, exitCode: () => code, dispose };
}
