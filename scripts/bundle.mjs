// Bundles each app's compiled entry (dist/apps/<app>/src/main.js, emitted by tsc with the decorator
// metadata Nest's injector reads) into one file beside it: dist/apps/<app>/src/main.bundle.js.
// The production path (Dockerfile, compose, `npm start`) runs the bundles: one file to read and
// compile instead of ~1,500 modules resolved one by one, which is most of the start time.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

const APPS = ['gateway', 'rpc'];

/**
 * Packages left to node_modules at run time: pino's worker-thread transports, loaded by file path.
 * Besides these, every package that is not installed stays an import: Nest `require`s optional
 * packages (Fastify, socket.io, Kafka...) only when a feature needs them, and reports them missing then.
 */
const EXTERNAL = ['pino-pretty', 'thread-stream'];

const require = createRequire(import.meta.url);
/** Marks a bare import of a package that is not installed as external instead of failing the bundle. */
const optionalPackages = {
  name: 'optional-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./#]/ }, (args) => {
      if (args.path.startsWith('node:') || args.pluginData === 'checked') return undefined;
      const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
      try {
        require.resolve(`${name}/package.json`, { paths: [args.resolveDir] });
        return undefined;
      } catch {
        return installed(name, args.resolveDir) ? undefined : { path: args.path, external: true };
      }
    });
  },
};

/** A package without an exported package.json may still be installed: look for its folder. */
function installed(name, from) {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules', name))) return true;
    if (dirname(dir) === dir) return false;
  }
}

const started = performance.now();
await Promise.all(
  APPS.map((app) =>
    build({
      entryPoints: [`dist/apps/${app}/src/main.js`],
      outfile: `dist/apps/${app}/src/main.bundle.js`,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: EXTERNAL,
      plugins: [optionalPackages],
      // The CommonJS packages inside call `require` for Node built-ins and the externals above.
      banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
      // Nest reads class names (providers, controllers) for its tokens and logs.
      keepNames: true,
      sourcemap: 'linked',
      logLevel: 'warning',
    }),
  ),
);
process.stdout.write(`bundled ${APPS.join(', ')} in ${Math.round(performance.now() - started)} ms\n`);
