// Clean-ups that must also run when the command is interrupted (Ctrl-C, SIGTERM): a temporary
// worktree registered in the repository, the folder of temporary bundles. Each runs once, either
// when its owner is done or on the signal, after which the signal ends the process as it would have.
const pending = new Set<() => void>();

function onSignal(signal: NodeJS.Signals): void {
  for (const cleanup of [...pending].reverse()) {
    try {
      cleanup();
    } catch {
      // the others still run
    }
  }
  pending.clear();
  stopListening();
  process.kill(process.pid, signal);
}

function stopListening(): void {
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}

/** Registers `cleanup`; returns the function that runs it (once) and unregisters it. */
export function cleanUpEvenIfInterrupted(cleanup: () => void): () => void {
  if (pending.size === 0) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  pending.add(cleanup);
  return () => {
    if (!pending.delete(cleanup)) return;
    if (pending.size === 0) stopListening();
    cleanup();
  };
}
