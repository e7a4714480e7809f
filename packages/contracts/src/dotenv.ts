import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { ConfigError } from './environment';

/**
 * The environment a process reads its configuration from: the variables it was started with over the
 * `.env` file of its working directory, when there is one. A variable the environment sets wins over
 * the file (an empty one counts as unset, as everywhere in the configuration), so a deployment's settings
 * are never overridden by a file left in the checkout. Only the config modules call this.
 */
export function readEnvironment(
  env: Record<string, string | undefined> = process.env,
  cwd: string = process.cwd(),
): Record<string, string | undefined> {
  const path = join(cwd, '.env');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return env;
    throw new ConfigError(`Cannot read ${path}: ${(error as Error).message}`);
  }
  const set = Object.entries(env).filter(([, value]) => value !== undefined && value !== '');
  return { ...parse(text), ...Object.fromEntries(set) };
}
