import { DataDirLockedError } from '@tekana/db';
import { ConfigError } from '../config';

/** Runs a command line tool: expected failures print one clear line, and the exit code says how it went. */
export function runCommand(main: () => Promise<number>): void {
  main()
    .then((code) => process.exit(code))
    .catch((error: unknown) => {
      const known =
        error instanceof ConfigError ||
        error instanceof DataDirLockedError ||
        (error instanceof Error && error.name === 'DomainError');
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`${known ? message : `Failed: ${message}`}\n`);
      process.exit(1);
    });
}
