/**
 * cl-async's default `event-cb` for filesystem and process operations, `#'error`: with no
 * `eventCb`, a failure is thrown from the loop like an uncaught callback error.
 */
export function signalEvent(condition: unknown): never {
  throw condition;
}
