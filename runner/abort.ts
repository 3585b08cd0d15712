/**
 * Calls `fn` once, when the first of `signals` is aborted (at once if one
 * already is); returns what stops listening, for work that ends before
 * them (a session's signal outlives its many Checks).
 */
export function onAbort(signals: (AbortSignal | undefined)[], fn: () => void): () => void {
  let called = false;
  const once = () => {
    if (called) return;
    called = true;
    fn();
  };
  const unlisten = () => signals.forEach((s) => s?.removeEventListener('abort', once));
  signals.forEach((s) => s?.addEventListener('abort', once, { once: true }));
  if (signals.some((s) => s?.aborted)) once();
  return unlisten;
}
