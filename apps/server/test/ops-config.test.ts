import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';
import { spawnSource } from './server-process';
import { freePort, runTsx, STACK_TRACE_LINE, waitForHealth } from './spawned-process';

// Should a bad value ever pass, the server must not touch the repo's own .data/ nor a real port.
const dataDir = mkdtempSync(join(tmpdir(), 'tekana-config-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const baseEnv = { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1' };

describe('bad configuration fails at start with a clear message', () => {
  // [what is wrong, the variable the message must name, the environment]
  const cases: [string, string, Record<string, string>][] = [
    ['a PORT that is not a number', 'PORT', { PORT: 'abc' }],
    [
      'NODE_ENV=production without JWT_SECRET',
      'JWT_SECRET',
      { NODE_ENV: 'production', SMS_PROVIDER: 'http', SMS_GATEWAY_URL: 'http://127.0.0.1:9/send' },
    ],
    ['SMS_PROVIDER=http without SMS_GATEWAY_URL', 'SMS_GATEWAY_URL', { SMS_PROVIDER: 'http' }],
    ['a DATABASE_URL that is not PostgreSQL', 'DATABASE_URL', { DATABASE_URL: 'mysql://x' }],
  ];

  it.concurrent.for(cases)(
    'refuses %s: exits non-zero, stderr names %s, no stack trace',
    async ([, variable, env], { expect }) => {
      const run = await runTsx('apps/server/src/main.ts', [], { ...baseEnv, ...env }, 45_000);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^Invalid [\w ]*configuration:\n/);
      expect(run.stderr).toMatch(new RegExp(`^\\s+${variable}: \\S`, 'm'));
      expect(run.stderr).not.toMatch(STACK_TRACE_LINE);
      expect(run.stdout).not.toMatch(/listening/);
    },
  );
});

describe('loadConfig', () => {
  it('gives the embedded defaults when the environment is empty', () => {
    expect(loadConfig({})).toMatchObject({
      NODE_ENV: 'development',
      PORT: 3000,
      OTP_TTL_SECONDS: 300,
      OTP_MAX_ATTEMPTS: 5,
      DATA_DIR: '.data',
      SMS_QUEUE_NAME: 'sms',
      SMS_PROVIDER: 'log',
      JWT_TTL: '1h',
      DATABASE_REPLICA_URLS: [],
    });
    const config = loadConfig({});
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '', DATA_DIR: '' })).toMatchObject({
      PORT: 3000,
      DATA_DIR: '.data',
    });
  });

  it('reads numbers and lists from their text', () => {
    const config = loadConfig({
      PORT: '8080',
      OTP_TTL_SECONDS: '120',
      DATABASE_REPLICA_URLS: 'postgres://r1/db, postgresql://r2/db',
    });
    expect(config).toMatchObject({ PORT: 8080, OTP_TTL_SECONDS: 120 });
    expect(config.DATABASE_REPLICA_URLS).toEqual(['postgres://r1/db', 'postgresql://r2/db']);
  });

  it('takes a DATABASE_URL that lists several hosts, for failover to whichever takes writes', () => {
    const url = 'postgres://tekana@db1:5432,db2:5433/tekana?target_session_attrs=read-write';
    expect(loadConfig({ DATABASE_URL: url, DATABASE_MIGRATION_URL: url })).toMatchObject({
      DATABASE_URL: url,
      DATABASE_MIGRATION_URL: url,
    });
  });

  it.for([
    ['mysql://db/tekana', /expected a postgres:\/\//],
    ['postgres://db1:5432,db2:x/tekana', /hosts are host or host:port, not "db2:x"/],
    ['postgres://db1,db2/tekana?target_session_attrs=any', /target_session_attrs is one of read-write/],
  ])('refuses the DATABASE_URL %s, naming the variable', ([value, message]) => {
    expect(() => loadConfig({ DATABASE_URL: value as string })).toThrow(/\n\s+DATABASE_URL: expected /);
    expect(() => loadConfig({ DATABASE_URL: value as string })).toThrow(message);
  });

  it('reads CORS_ORIGINS as a list of origins, none by default', () => {
    expect(loadConfig({}).CORS_ORIGINS).toEqual([]);
    expect(
      loadConfig({ CORS_ORIGINS: 'https://app.tekana.rw, http://localhost:5173/,https://WEB.Tekana.rw' })
        .CORS_ORIGINS,
    ).toEqual(['https://app.tekana.rw', 'http://localhost:5173', 'https://web.tekana.rw']);
  });

  it.for([
    '*',
    'app.tekana.rw',
    'https://app.tekana.rw/path',
    'ftp://app.tekana.rw',
    'https://app.tekana.rw?x=1',
  ])('refuses %s in CORS_ORIGINS, naming the variable', (value) => {
    expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(
      /\n\s+CORS_ORIGINS\.0: CORS_ORIGINS lists origins/,
    );
  });

  it('counts limits per period in Kigali unless LIMITS_TIME_ZONE names another IANA zone', () => {
    expect(loadConfig({}).LIMITS_TIME_ZONE).toBe('Africa/Kigali');
    expect(loadConfig({ LIMITS_TIME_ZONE: 'Europe/London' }).LIMITS_TIME_ZONE).toBe('Europe/London');
    expect(() => loadConfig({ LIMITS_TIME_ZONE: 'Kigali' })).toThrow(
      /\n\s+LIMITS_TIME_ZONE: LIMITS_TIME_ZONE is an IANA/,
    );
  });

  it('throws a ConfigError naming every bad variable', () => {
    expect(() => loadConfig({ PORT: '70000', REDIS_URL: 'http://x' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: '70000', REDIS_URL: 'http://x' })).toThrow(/PORT: .*\n\s+REDIS_URL: /);
  });
});

describe('.env in the working folder', () => {
  const folders: string[] = [];
  afterAll(() => {
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  });
  const folderWith = (lines: string[]) => {
    const folder = mkdtempSync(join(tmpdir(), 'tekana-dotenv-'));
    folders.push(folder);
    writeFileSync(join(folder, '.env'), `${lines.join('\n')}\n`);
    return folder;
  };

  it('is read at start, and the environment wins over it', async () => {
    const port = await freePort();
    const folder = folderWith([
      `PORT=${port}`,
      'HOST=127.0.0.1',
      'DATA_DIR=./tekana-data',
      'CORS_ORIGINS=https://from-dotenv.example',
      // Would stop the server, were the environment's LOG_LEVEL not to win.
      'LOG_LEVEL=not-a-level',
    ]);
    const server = spawnSource('apps/server/src/main.ts', { PATH: baseEnv.PATH, LOG_LEVEL: 'warn' }, folder);
    try {
      await waitForHealth(`http://127.0.0.1:${port}/health`, server);
      const answer = await fetch(`http://127.0.0.1:${port}/health`, {
        headers: { origin: 'https://from-dotenv.example' },
      });
      expect(answer.headers.get('access-control-allow-origin')).toBe('https://from-dotenv.example');
      expect(existsSync(join(folder, 'tekana-data', 'tekana.lock'))).toBe(true);
    } finally {
      await server.kill();
    }
  }, 60_000);

  it('stops the server with the usual message when the file holds a bad value', async () => {
    const folder = folderWith(['PORT=abc', `DATA_DIR=${dataDir}`]);
    const server = spawnSource('apps/server/src/main.ts', { PATH: baseEnv.PATH }, folder);
    try {
      expect(await server.exited(45_000)).toBe(1);
      expect(server.stderr()).toMatch(/^Invalid server configuration:\n\s+PORT: \S/);
      expect(server.stderr()).not.toMatch(STACK_TRACE_LINE);
    } finally {
      await server.kill();
    }
  }, 60_000);
});
