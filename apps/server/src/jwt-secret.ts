import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@tekana/contracts';

/**
 * The embedded server's signing key when JWT_SECRET is unset: made once and kept beside the data, in
 * DATA_DIR/jwt-secret, readable by its owner only, so that tokens survive a restart as the data do. The
 * folder's lock is held, so no other process makes one meanwhile.
 */
export function embeddedJwtSecret(dataDir: string): { secret: string; path: string; created: boolean } {
  const path = join(dataDir, 'jwt-secret');
  let kept: string;
  try {
    kept = readFileSync(path, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const secret = randomBytes(32).toString('hex');
    writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return { secret, path, created: true };
  }
  if (kept.length < 32) {
    throw new ConfigError(
      `${path} holds no usable signing key (32+ characters): delete it to have a new one made, or set JWT_SECRET`,
    );
  }
  return { secret: kept, path, created: false };
}
