/** Rejects with "`what` timed out" when `promise` does not settle within `ms` (the operation itself goes on). */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => (timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * How long one presence request to a shared backend may take. A session's commands wait for its
 * joins and leaves, so a backend that is away must not hold them: 2 s, like the NATS broker's requests.
 */
export const PRESENCE_REQUEST_TIMEOUT_MS = 2_000;
