import { cpSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { BundleError, bundleApp } from './bundle';

/**
 * `pnpm build [app...]`: the server and the SMS worker (or only the apps named), each entry one ESM file in
 * its `dist/`. Our @tekana packages (devDependencies of the apps) are compiled in; npm packages stay
 * imports, so native modules and the files they read keep their own paths.
 * `pnpm bundle [app...]` (`--bundle`) then puts each in `deploy/<app>/` with its production node_modules.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));

const deployables = [
  {
    app: 'apps/server',
    // The CLIs beside main.js, so that a deployed bundle can migrate, create the first admin, relay and verify.
    entries: {
      main: 'src/main.ts',
      'admin-create': 'src/cli/admin-create.ts',
      migrate: 'src/cli/migrate.ts',
      relay: 'src/cli/relay.ts',
      verify: 'src/cli/verify.ts',
      // The server's outbox relay thread, loaded by main.js from beside it.
      'relay-thread': 'src/relay-thread.ts',
    },
    // The db package finds its migrations beside the running module: copy them beside the bundle.
    copy: { 'packages/db/src/migrations': 'migrations' },
  },
  { app: 'apps/sms-worker', entries: { main: 'src/main.ts' }, copy: {} },
];

/** npm imports stay external; each must be a dependency of the app, or Node cannot find it from dist/. */
function npmExternal(app: string): Plugin {
  const manifest = JSON.parse(readFileSync(join(root, app, 'package.json'), 'utf8'));
  const declared = new Set(Object.keys(manifest.dependencies ?? {}));
  return {
    name: 'npm-external',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, ({ path, importer }) => {
        if (isBuiltin(path)) return { external: true };
        const name = path.split('/', path.startsWith('@') ? 2 : 1).join('/');
        if (name.startsWith('@tekana/')) return undefined;
        if (declared.has(name)) return { external: true };
        return {
          errors: [
            { text: `${name} (imported by ${importer}) is not in the dependencies of ${app}/package.json` },
          ],
        };
      });
    },
  };
}

const args = process.argv.slice(2);
const bundling = args.includes('--bundle');
const named = args.filter((a) => a !== '--bundle').map((a) => a.replace(/\/$/, ''));
const unknown = named.filter((a) => !deployables.some((d) => d.app === a));
if (unknown.length > 0) {
  process.stderr.write(
    `pnpm ${bundling ? 'bundle' : 'build'}: no app ${unknown.join(', ')}; the apps: ${deployables.map((d) => d.app)}\n`,
  );
  process.exit(1);
}

// dist/ is overwritten, not emptied first: a server starting from it meanwhile still finds its migrations.
for (const deployable of deployables.filter((d) => named.length === 0 || named.includes(d.app))) {
  if (bundling) await bundle(deployable);
  else await compile(deployable, join(root, deployable.app, 'dist'));
}

/** The app's entries as ESM files in `outdir`, with source maps and the files they read beside them. */
async function compile({ app, entries, copy }: (typeof deployables)[number], outdir: string) {
  await build({
    entryPoints: Object.entries(entries).map(([out, source]) => ({ out, in: join(root, app, source) })),
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Stack traces name the .ts lines when run with --enable-source-maps.
    sourcemap: 'linked',
    sourcesContent: false,
    plugins: [npmExternal(app)],
    logLevel: 'warning',
  }).catch(() => process.exit(1)); // esbuild has printed why
  for (const [from, to] of Object.entries(copy))
    cpSync(join(root, from), join(outdir, to), { recursive: true });
  const outputs = Object.keys(entries).map((out) => relative(root, join(outdir, `${out}.js`)));
  process.stdout.write(`built ${outputs.join(', ')}\n`);
}

async function bundle(deployable: (typeof deployables)[number]) {
  try {
    const out = await bundleApp(root, deployable.app, (outdir) => compile(deployable, outdir));
    process.stdout.write(`bundled ${relative(root, out)}: run it with node main.js\n`);
  } catch (error) {
    if (!(error instanceof BundleError)) throw error;
    process.stderr.write(`pnpm bundle: ${error.message}\n`);
    process.exit(1);
  }
}
