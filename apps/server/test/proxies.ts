import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asRoot, giveToPostgresUser } from './as-postgres-user';
import { freePort, type SpawnedProcess, spawnCommand } from './spawned-process';

/**
 * The deployment's middlemen, from Debian's packages, on free ports of a test's own: PgBouncer in
 * transaction mode in front of Postgres, and nginx spreading one port over several servers.
 */
export type Middleman = { port: number; close(): Promise<void> };

// Debian installs both daemons in /usr/sbin, which a user's PATH may lack.
const SBIN_PATH = `${process.env.PATH ?? ''}:/usr/sbin`;

const running = async (process_: SpawnedProcess, port: number, name: string) => {
  for (const deadline = Date.now() + 10_000; ; ) {
    if (process_.child.exitCode !== null) throw new Error(`${name} exited:\n${process_.stderr()}`);
    const open = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(500) }).then(
      () => true,
      (error: Error) => !/ECONNREFUSED/.test(String(error.cause ?? error)),
    );
    if (open) return;
    if (Date.now() > deadline) throw new Error(`${name} not listening on ${port}:\n${process_.stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

/** PgBouncer in transaction mode in front of `postgresUrl`'s server; trust auth, as the test Postgres. */
export async function startPgBouncer(postgresUrl: string): Promise<Middleman> {
  const target = new URL(postgresUrl);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tekana-pgbouncer-'));
  writeFileSync(join(dir, 'userlist.txt'), '"postgres" ""\n');
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${target.hostname} port=${target.port || 5432}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      `unix_socket_dir = ${dir}`,
      'auth_type = trust',
      `auth_file = ${join(dir, 'userlist.txt')}`,
      'pool_mode = transaction',
      'max_client_conn = 1000',
      'default_pool_size = 20',
      'ignore_startup_parameters = extra_float_digits,options',
    ].join('\n'),
  );
  for (const path of [dir, join(dir, 'userlist.txt'), join(dir, 'pgbouncer.ini')]) giveToPostgresUser(path);
  // Its own `-u` rather than runuser: then the process a test kills is PgBouncer itself.
  const args = [...(asRoot ? ['-u', 'postgres'] : []), join(dir, 'pgbouncer.ini')];
  const bouncer = spawnCommand('pgbouncer', args, { PATH: SBIN_PATH }, 'pgbouncer');
  await running(bouncer, port, 'pgbouncer');
  return {
    port,
    async close() {
      await bouncer.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** nginx on one port, round-robin over `upstreamPorts` (each request to the next server). */
export async function startNginx(upstreamPorts: number[]): Promise<Middleman> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tekana-nginx-'));
  // Its workers drop root: they must reach the temporary folders inside.
  chmodSync(dir, 0o755);
  writeFileSync(
    join(dir, 'nginx.conf'),
    `
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream tekana { ${upstreamPorts.map((p) => `server 127.0.0.1:${p};`).join(' ')} keepalive 32; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://tekana;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`,
  );
  const nginx = spawnCommand(
    'nginx',
    ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'],
    { PATH: SBIN_PATH },
    'nginx',
  );
  await running(nginx, port, 'nginx');
  return {
    port,
    async close() {
      // SIGTERM, not -9: the master stops its workers, which -9 would leave behind holding the port.
      nginx.child.kill('SIGTERM');
      await nginx.exited(5_000).catch(() => nginx.kill());
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
