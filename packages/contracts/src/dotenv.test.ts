import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readEnvironment } from './dotenv';
import { ConfigError } from './environment';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function folderWith(dotEnv?: string): string {
  const folder = mkdtempSync(join(tmpdir(), 'tekana-dotenv-'));
  folders.push(folder);
  if (dotEnv !== undefined) writeFileSync(join(folder, '.env'), dotEnv);
  return folder;
}

describe('readEnvironment', () => {
  it('adds the variables of the working folder’s .env to the environment', () => {
    const folder = folderWith(
      '# Tekana\nPORT=4000\nJWT_TTL="15m"\nSMS_SENDER=\'Tekana Pay\'\nexport LOG_LEVEL=warn\n\nREDIS_PREFIX=t: # local\n',
    );
    expect(readEnvironment({ PATH: '/bin' }, folder)).toEqual({
      PATH: '/bin',
      PORT: '4000',
      JWT_TTL: '15m',
      SMS_SENDER: 'Tekana Pay',
      LOG_LEVEL: 'warn',
      REDIS_PREFIX: 't:',
    });
  });

  it('lets the environment win over the file; an empty variable counts as unset', () => {
    const folder = folderWith('PORT=4000\nHOST=0.0.0.0\nDATA_DIR=/var/lib/tekana\n');
    expect(readEnvironment({ PORT: '5000', HOST: '' }, folder)).toEqual({
      PORT: '5000',
      HOST: '0.0.0.0',
      DATA_DIR: '/var/lib/tekana',
    });
  });

  it('gives the environment unchanged when there is no .env', () => {
    const env = { PORT: '5000' };
    expect(readEnvironment(env, folderWith())).toBe(env);
  });

  it('stops with a ConfigError naming the file when .env cannot be read', () => {
    const folder = folderWith();
    mkdirSync(join(folder, '.env'));
    expect(() => readEnvironment({}, folder)).toThrow(ConfigError);
    expect(() => readEnvironment({}, folder)).toThrow(`Cannot read ${join(folder, '.env')}`);
  });
});
