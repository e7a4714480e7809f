/**
 * pnpm's hook on every package manifest it resolves.
 *
 * @trpc/server declares the TypeScript compiler as a required peer (for its types only; nothing loads it
 * at run time), so every production install of the server, `pnpm bundle`'s among them, would carry 23 MB
 * of compiler. Our type checks use the root's own `typescript` devDependency, so the peer can go.
 */
module.exports = {
  hooks: {
    readPackage(manifest) {
      if (manifest.name === '@trpc/server' && manifest.peerDependencies) {
        delete manifest.peerDependencies.typescript;
      }
      return manifest;
    },
  },
};
