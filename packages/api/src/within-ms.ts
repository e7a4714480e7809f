/**
 * `work`, or a rejection with `makeError()` once `ms` have passed without its answer; the timer is cleared
 * as soon as either comes, so nothing outlives the race. `work` itself is not stopped: a caller that may
 * let it fail unawaited past the deadline must catch it.
 */
export function withinMs<T>(
  work: Promise<T>,
  ms: number,
  makeError: () => Error = () => new Error(`not done within ${ms} ms`),
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(makeError()), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
