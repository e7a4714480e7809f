import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@tekana/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { embeddedJwtSecret } from './jwt-secret';

const dataDir = mkdtempSync(join(tmpdir(), 'tekana-jwt-secret-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('the embedded signing key', () => {
  it('is made once, readable by its owner only, and the same at every later start', () => {
    const first = embeddedJwtSecret(dataDir);
    expect(first.created).toBe(true);
    expect(first.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(first.path).mode & 0o777).toBe(0o600);
    expect(embeddedJwtSecret(dataDir)).toEqual({ ...first, created: false });
  });

  it('refuses a kept key too short to sign with, naming the file', () => {
    const folder = mkdtempSync(join(dataDir, 'short-'));
    writeFileSync(join(folder, 'jwt-secret'), 'short\n');
    expect(() => embeddedJwtSecret(folder)).toThrow(ConfigError);
    expect(() => embeddedJwtSecret(folder)).toThrow(
      `${join(folder, 'jwt-secret')} holds no usable signing key`,
    );
  });
});
