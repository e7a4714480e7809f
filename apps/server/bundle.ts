import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/*
 * `pnpm bundle`: an app's built `dist/` and its production dependencies in `deploy/<app>/`, a folder that
 * runs with `node main.js` wherever it is copied, with nothing else installed (README, "Production").
 */

/** The bundle could not be made, or would not run what the tests ran: one line says why. */
export class BundleError extends Error {
  override name = 'BundleError';
}

type Manifest = { name: string; version: string; type?: string; dependencies?: Record<string, string> };

/**
 * Writes `deploy/<app>/`: pnpm deploy's node_modules, then the app compiled into it by `compile` (not
 * copied from dist/, which another build may be rewriting meanwhile). Returns the folder.
 */
export async function bundleApp(
  root: string,
  app: string,
  compile: (outdir: string) => Promise<void>,
): Promise<string> {
  const manifest = readJson<Manifest>(join(root, app, 'package.json'));
  const out = join(root, 'deploy', basename(app));
  rmSync(out, { recursive: true, force: true });
  // pnpm deploy installs the app's dependencies as the workspace lockfile pins them, patches applied; the
  // app's `"files": []` keeps its sources out. --legacy: the newer deploy needs inject-workspace-packages,
  // which would copy our packages into every dependent's node_modules in development instead of linking
  // them. Not node-linker=hoisted: pnpm then resolves the versions afresh instead of reading the lockfile.
  // Patches of packages this app does not use (the worker has no postgres) are no error here.
  const deployed = spawnSync(
    'pnpm',
    ['--filter', manifest.name, '--prod', '--config.allow-unused-patches=true', 'deploy', '--legacy', out],
    { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (deployed.status !== 0)
    throw new BundleError(`pnpm deploy of ${app} failed (status ${deployed.status})`);
  await compile(out);
  writeFileSync(
    join(out, 'package.json'),
    `${JSON.stringify(productionManifest(root, manifest), null, 2)}\n`,
  );
  checkLockedVersions(root, out);
  checkPatches(root, out);
  return out;
}

/**
 * What the bundle's package.json needs: `type` for Node to load main.js as ESM, the dependencies it holds
 * and the Node it needs. The workspace's devDependencies and scripts mean nothing there.
 */
function productionManifest(root: string, manifest: Manifest) {
  const { engines } = readJson<{ engines?: Record<string, string> }>(join(root, 'package.json'));
  return {
    name: manifest.name,
    version: manifest.version,
    private: true,
    type: manifest.type,
    engines,
    dependencies: manifest.dependencies ?? {},
  };
}

/**
 * Every package the bundle holds is one pnpm-lock.yaml pins, at the same version and patch hash: the
 * bundle runs what the tests ran. (pnpm records what it installed in node_modules/.pnpm/lock.yaml.) Peer
 * groups other than the patch hash are left out of the comparison: a development tool can add an optional
 * peer to a shared package's snapshot (debug with supports-color, via @redocly/cli) that a production
 * install rightly lacks; each peer is a package of the bundle, checked on its own.
 */
function checkLockedVersions(root: string, out: string): void {
  const locked = new Set(lockfileSnapshots(readFileSync(join(root, 'pnpm-lock.yaml'), 'utf8')));
  const installed = lockfileSnapshots(readFileSync(join(out, 'node_modules/.pnpm/lock.yaml'), 'utf8'));
  const unlocked = installed.filter((snapshot) => !locked.has(snapshot));
  if (installed.length === 0 || unlocked.length > 0)
    throw new BundleError(
      `${out}: packages pnpm-lock.yaml does not pin: ${unlocked.join(', ') || 'none at all'}`,
    );
}

/** The keys of a pnpm lockfile's `snapshots:` section: name@version(peers)(patch_hash=...). */
function lockfileSnapshots(lockfile: string): string[] {
  const section = lockfile.split(/^snapshots:\n/m)[1] ?? '';
  return [...section.matchAll(/^ {2}(\S.*?):(?: \{\})?$/gm)].map(([, key = '']) =>
    versionAndPatch(key.replace(/^'(.*)'$/, '$1')),
  );
}

/** `debug@4.4.3(supports-color@10.2.2)` → `debug@4.4.3`; a `(patch_hash=…)` group stays. */
function versionAndPatch(snapshot: string): string {
  const [nameAndVersion = snapshot] = snapshot.split('(');
  const patch = /\(patch_hash=[^)]+\)/.exec(snapshot)?.[0] ?? '';
  return `${nameAndVersion}${patch}`;
}

/**
 * Each patch of pnpm-workspace.yaml's `patchedDependencies` whose package the bundle holds must be applied
 * in it: every line the patch adds is in the bundle's copy (the postgres patch keeps a server alive when
 * Postgres drops its connections; README, "Dependency notes").
 */
export function checkPatches(root: string, out: string): void {
  for (const { name, version, patchFile } of patchedDependencies(root)) {
    const dir = join(out, 'node_modules', name);
    if (!existsSync(dir)) continue; // not a dependency of this app
    const installed = readJson<{ version: string }>(join(dir, 'package.json')).version;
    if (installed !== version)
      throw new BundleError(`${out}: ${name} is ${installed}, but ${patchFile} patches ${version}`);
    for (const { file, added } of addedLines(readFileSync(join(root, patchFile), 'utf8'))) {
      const text = readFileSync(join(dir, file), 'utf8');
      const missing = added.find((line) => !text.includes(line));
      if (missing !== undefined)
        throw new BundleError(`${out}: ${name}/${file} lacks ${patchFile}'s line ${JSON.stringify(missing)}`);
    }
  }
}

function patchedDependencies(root: string): { name: string; version: string; patchFile: string }[] {
  const workspace = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  const section = /^patchedDependencies:\n((?:[ \t]+\S.*\n?)*)/m.exec(workspace)?.[1] ?? '';
  return [...section.matchAll(/^\s+["']?(.+)@([^@"']+)["']?:\s*(\S+)\s*$/gm)].map(
    ([, name = '', version = '', patchFile = '']) => ({ name, version, patchFile }),
  );
}

/** The non-blank lines a unified diff adds, per file it touches. */
function addedLines(patch: string): { file: string; added: string[] }[] {
  const files: { file: string; added: string[] }[] = [];
  for (const line of patch.split('\n')) {
    if (line.startsWith('+++ b/')) files.push({ file: line.slice('+++ b/'.length), added: [] });
    else if (line.startsWith('+') && !line.startsWith('+++') && line.slice(1).trim() !== '')
      files.at(-1)?.added.push(line.slice(1));
  }
  return files;
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}
