import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { asPostgresUser, giveToPostgresUser, postgresBinDir } from '../as-postgres-user';
import { freePort } from '../spawned-process';

export type NodeName = 'a' | 'b';

/**
 * A pg_auto_failover formation of a test's own, on this machine: a monitor and two Postgres nodes,
 * `a` and `b`, each kept by its `pg_autoctl run` on a free port, in a temporary folder. It starts with
 * `a` the primary and `b` its synchronous secondary.
 */
export type OwnFormation = {
  /** The app's URL: the nodes in this order (`a` first by default), and only a session that takes writes will do. */
  url(order?: NodeName[]): string;
  /** One node alone. */
  nodeUrl(node: NodeName): string;
  /** Resolves once one node is primary and the other its synchronous secondary, as the monitor says. */
  waitForPrimaryAndSecondary(timeoutMs?: number): Promise<{ primary: NodeName; secondary: NodeName }>;
  /** The monitor's table of nodes and states (`pg_autoctl show state`), for messages. */
  state(): string;
  /** kill -9 of a node's keeper and its Postgres together, as when the node's machine dies. */
  kill(node: NodeName): void;
  /** `pg_autoctl run` again for a node that was killed: it rejoins the formation. */
  run(node: NodeName): void;
  /** The end of each keeper's log, for messages. */
  logs(): string;
  close(): Promise<void>;
};

export type OwnFormationOptions = {
  /** The app's database, created on the first node (and so on both). */
  database: string;
  /**
   * The monitor's `pgautofailover.*` settings (how fast it declares a node dead and promotes the other),
   * in milliseconds where they are times.
   */
  monitorSettings?: Record<string, number>;
};

type NodeState = { name: string; current: string; assigned: string };

export async function startOwnFormation(options: OwnFormationOptions): Promise<OwnFormation> {
  try {
    execFileSync('pg_autoctl', ['--version'], { stdio: 'pipe' });
  } catch {
    throw new Error('pg_autoctl not found: install postgresql-<major>-auto-failover (.ci/run does)');
  }
  const dir = mkdtempSync(join(tmpdir(), 'tekana-formation-'));
  giveToPostgresUser(dir);
  const [monitorPort, aPort, bPort] = [await freePort(), await freePort(), await freePort()];
  const ports: Record<NodeName, number> = { a: aPort, b: bPort };
  const pgdata = (name: string) => join(dir, name);
  const bin = postgresBinDir();
  const monitorUrl = `postgres://autoctl_node@127.0.0.1:${monitorPort}/pg_auto_failover?sslmode=disable`;
  const logDir = join(dir, 'logs');
  mkdirSync(logDir);

  // pg_autoctl keeps its settings, state and pid files under the XDG folders: here, not in the home of
  // the postgres user, so that nothing outlives the test.
  const autoctl = (args: string[]) =>
    asPostgresUser('env', [
      `XDG_CONFIG_HOME=${join(dir, 'config')}`,
      `XDG_DATA_HOME=${join(dir, 'share')}`,
      `XDG_RUNTIME_DIR=${join(dir, 'run')}`,
      'pg_autoctl',
      ...args,
    ]);
  const common = [
    ...['--hostname', '127.0.0.1', '--auth', 'trust', '--no-ssl'],
    ...(bin ? ['--pgctl', join(bin, 'pg_ctl')] : []),
  ];

  // Each keeper leads a process group of its own: the group is its Postgres too, killed together.
  const keepers = new Map<string, ChildProcess>();
  const keep = (name: string, args: string[]) => {
    const log = openSync(join(logDir, `${name}.log`), 'a');
    const [file, argv] = autoctl(args);
    const child = spawn(file, argv, {
      detached: true,
      stdio: ['ignore', log, log],
      env: { PATH: process.env.PATH ?? '' },
    });
    closeSync(log);
    keepers.set(name, child);
  };
  const killGroup = (name: string, signal: NodeJS.Signals) => {
    const pid = keepers.get(name)?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  };
  const exited = (name: string, timeoutMs: number) => {
    const child = keepers.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  };

  /** The monitor's view of the nodes; undefined while the monitor does not answer. */
  const readStates = (): NodeState[] | undefined => {
    try {
      const [file, argv] = autoctl(['show', 'state', '--monitor', monitorUrl, '--json']);
      const text = execFileSync(file, argv, { encoding: 'utf8', stdio: 'pipe', timeout: 10_000 });
      const rows = JSON.parse(text) as {
        nodename: string;
        current_group_state: string;
        assigned_group_state: string;
      }[];
      return rows.map((r) => ({
        name: r.nodename,
        current: r.current_group_state,
        assigned: r.assigned_group_state,
      }));
    } catch {
      return undefined;
    }
  };
  const state = () =>
    readStates()
      ?.map((s) => `${s.name}: ${s.current} → ${s.assigned}`)
      .join('; ') ?? 'the monitor does not answer';
  const waitFor = async (what: string, done: (states: NodeState[]) => boolean, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = readStates();
      if (states && done(states)) return;
      if (Date.now() > deadline)
        throw new Error(`formation: no ${what} within ${timeoutMs} ms: ${state()}\n${logs()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const nodeUrl = (node: NodeName, database = options.database) =>
    `postgres://postgres@127.0.0.1:${ports[node]}/${database}`;
  const createNode = (node: NodeName) =>
    keep(node, [
      ...['create', 'postgres', '--pgdata', pgdata(node), '--pgport', String(ports[node])],
      ...['--name', node, '--dbname', options.database, '--listen', '127.0.0.1', '--monitor', monitorUrl],
      ...[...common, '--run'],
    ]);
  const logs = () =>
    ['monitor', 'a', 'b']
      .map((name) => join(logDir, `${name}.log`))
      .filter((file) => existsSync(file))
      .map((file) => `--- ${file}\n${readFileSync(file, 'utf8').split('\n').slice(-40).join('\n')}`)
      .join('\n');

  const formation: OwnFormation = {
    url: (order = ['a', 'b']) => {
      const hosts = order.map((node) => `127.0.0.1:${ports[node]}`).join(',');
      return `postgres://postgres@${hosts}/${options.database}?target_session_attrs=read-write`;
    },
    nodeUrl: (node) => nodeUrl(node),
    async waitForPrimaryAndSecondary(timeoutMs = 60_000) {
      let primary: NodeName = 'a';
      await waitFor(
        'primary and secondary',
        (states) => {
          const found = states.find((s) => s.current === 'primary' && s.assigned === 'primary');
          const standby = states.find((s) => s.current === 'secondary' && s.assigned === 'secondary');
          if (found) primary = found.name as NodeName;
          return Boolean(found && standby);
        },
        timeoutMs,
      );
      // Commits wait for the secondary's flush only once the primary names it a synchronous standby.
      const sql = postgres(nodeUrl(primary, 'postgres'), { max: 1, onnotice: () => {} });
      try {
        for (const deadline = Date.now() + timeoutMs; ; await new Promise((r) => setTimeout(r, 250))) {
          const [row] = await sql<
            { names: string }[]
          >`select current_setting('synchronous_standby_names') as names`;
          if (row?.names) break;
          if (Date.now() > deadline) throw new Error('formation: the primary names no synchronous standby');
        }
      } finally {
        await sql.end();
      }
      return { primary, secondary: primary === 'a' ? 'b' : 'a' };
    },
    state,
    kill(node) {
      killGroup(node, 'SIGKILL');
    },
    run(node) {
      keep(node, ['run', '--pgdata', pgdata(node)]);
    },
    logs,
    async close() {
      // pg_autoctl stop: Postgres shuts down cleanly and leaves no shared memory behind, as a kill would.
      for (const name of keepers.keys()) {
        try {
          const [file, argv] = autoctl(['stop', '--pgdata', pgdata(name)]);
          execFileSync(file, argv, { stdio: 'pipe', timeout: 10_000 });
        } catch {
          // Not running.
        }
      }
      await Promise.all([...keepers.keys()].map((name) => exited(name, 15_000)));
      for (const name of keepers.keys()) killGroup(name, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };

  try {
    keep('monitor', [
      ...['create', 'monitor', '--pgdata', pgdata('monitor'), '--pgport', String(monitorPort)],
      ...[...common, '--run'],
    ]);
    await waitFor('monitor', () => true, 60_000);
    const settings = Object.entries(options.monitorSettings ?? {});
    if (settings.length > 0) {
      const monitor = postgres(`postgres://postgres@127.0.0.1:${monitorPort}/pg_auto_failover`, {
        max: 1,
        onnotice: () => {},
      });
      try {
        for (const [name, value] of settings)
          await monitor.unsafe(`alter system set pgautofailover.${name} = ${Number(value)}`);
        await monitor`select pg_reload_conf()`;
      } finally {
        await monitor.end();
      }
    }
    createNode('a');
    await waitFor('single primary', (states) => states.some((s) => s.current === 'single'), 60_000);
    // The secondary starts from a pg_basebackup, which waits for a spread checkpoint: minutes, when the
    // new database has left many pages dirty. One taken now leaves that checkpoint next to nothing to do.
    const primary = postgres(nodeUrl('a', 'postgres'), { max: 1, onnotice: () => {} });
    try {
      await primary`checkpoint`;
    } finally {
      await primary.end();
    }
    createNode('b');
    await formation.waitForPrimaryAndSecondary(120_000);
    return formation;
  } catch (error) {
    await formation.close();
    throw error;
  }
}
