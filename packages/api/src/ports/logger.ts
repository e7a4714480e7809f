/** The slice of pino the services use; the server passes its pino logger. */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/**
 * For work that retries on its own (a relay, a sweep): says so once when it starts failing, with the error's
 * message only (never what it carried), and once when it works again, instead of a line per attempt.
 */
export function createOutageLog(log: Logger, messages: { failing: string; recovered: string }) {
  let failing = false;
  return {
    failed(error: unknown): void {
      if (!failing) {
        log.warn(
          { err: { message: error instanceof Error ? error.message : String(error) } },
          messages.failing,
        );
      }
      failing = true;
    },
    worked(): void {
      if (failing) log.info({}, messages.recovered);
      failing = false;
    },
  };
}
