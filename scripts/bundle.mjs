// Bundles each app's compiled entry (dist/apps/<app>/src/main.js, emitted by tsc with the decorator
// metadata Nest's injector reads) into dist/apps/<app>/src/main.bundle.js, the file the production
// path (Dockerfile, compose, `npm start`) runs: a few files to read and compile instead of ~1,500
// modules resolved one by one, which was most of the start time.
//
// Code splitting: what is reached only through a dynamic `import()` (the NATS and Redis clients, the
// HTTP RPC transport, prom-client, jsonwebtoken, Nest's optional packages) goes into chunks beside it,
// dist/apps/<app>/src/main.bundle-<name>-<hash>.js, read only when the configuration uses them.
// A chunk is compiled only if loaded, and its source is kept in the heap only then (V8 keeps every
// script's source): the default gateway reads 2.6 of the 8.0 MiB its one file held.
//
//   node scripts/bundle.mjs            BUNDLE_META=/tmp/meta node scripts/bundle.mjs  (writes /tmp/meta-<app>.json, esbuild's metafile)
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

/**
 * Per app, the packages its bundle treats as not installed (a module whose evaluation throws). Nest
 * loads these optional packages with a dynamic import when present and goes on without them:
 * `@nestjs/microservices` is preloaded by every NestApplication for `connectMicroservice()`, which the
 * gateway never calls (it is a gRPC client through grpc-js, not a Nest microservice).
 */
const APPS = {
  gateway: { absent: ['@nestjs/microservices'], splitting: true },
  // One file: the RPC app loads nearly all it bundles at start (Express for the demo, the gRPC server,
  // class-validator for the demo's DTOs), and class-validator/-transformer reach Nest through a
  // dynamic import that a split bundle would give only a default export (see dynamicCommonJs).
  rpc: { absent: [], splitting: false },
};

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

/** Resolves the listed packages (and their subpaths) to a module that throws as a missing package does. */
function absentPackages(names) {
  const filter = new RegExp(`^(${names.map((name) => name.replace(/[/.]/g, '\\$&')).join('|')})(/|$)`);
  return {
    name: 'absent-packages',
    setup(build) {
      if (names.length === 0) return;
      build.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'absent' }));
      build.onLoad({ filter: /.*/, namespace: 'absent' }, (args) => ({
        contents: `throw Object.assign(new Error(${JSON.stringify(`Cannot find package '${args.path}' (left out of this bundle by scripts/bundle.mjs)`)}), { code: 'ERR_MODULE_NOT_FOUND' });`,
        loader: 'js',
      }));
    },
  };
}

/**
 * The bundle's entry: reflect-metadata, Node's compile cache, then the app's main.js through a dynamic
 * import. With code splitting, esbuild hoists modules shared between chunks into chunks of their own, which the entry
 * imports in an order of its choosing (evanw/esbuild#399): a shared chunk with decorated classes could
 * run before the polyfill Nest's decorators need (`Reflect.getOwnMetadata is not a function`). The
 * dynamic import runs the app only once the polyfill has been evaluated, whatever the chunk order.
 */
function entryAfterPolyfill(main) {
  return {
    name: 'entry-after-polyfill',
    setup(build) {
      build.onResolve({ filter: /^bundle-entry$/ }, () => ({ path: 'bundle-entry', namespace: 'entry' }));
      build.onLoad({ filter: /.*/, namespace: 'entry' }, () => ({
        contents: [
          "import * as nodeModule from 'node:module';",
          "import 'reflect-metadata';",
          // Node >= 22.1 (feature-detected; a no-op on 20): V8's code for the chunks loaded next is kept on
          // disk (NODE_COMPILE_CACHE, else the OS temp dir) and reused by the next start; written at exit.
          // Node 24 here: the gateway's CPU to its first /health 270 -> 240 ms with the cache warm.
          'nodeModule.enableCompileCache?.();',
          `await import(${JSON.stringify(main)});`,
        ].join('\n'),
        resolveDir: process.cwd(),
        loader: 'js',
      }));
    },
  };
}

/**
 * A dynamic `import()` of a CommonJS package stays an import of node_modules at run time. In a split
 * bundle esbuild puts such a package in a chunk exporting only `default` (module.exports), where Node
 * gives named exports too: Nest's `loadPackage('class-validator', ..., () => import('class-validator'))`
 * would then find no `validate`. Left to Node, the package behaves as unbundled; the gateway reaches
 * these only through Nest features it does not use (ValidationPipe, ClassSerializerInterceptor).
 */
const dynamicCommonJs = {
  name: 'dynamic-commonjs',
  setup(build) {
    build.onResolve({ filter: /^[^./#]/ }, (args) => {
      if (args.kind !== 'dynamic-import' || args.path.startsWith('node:')) return undefined;
      const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
      try {
        const manifest = require(require.resolve(`${name}/package.json`, { paths: [args.resolveDir] }));
        return isCommonJs(manifest) ? { path: args.path, external: true } : undefined;
      } catch {
        return undefined; // no exported package.json: left to the other resolvers
      }
    });
  },
};

/** A package without `"type": "module"` whose exports name no `import` condition is CommonJS to Node. */
function isCommonJs(manifest) {
  return manifest.type !== 'module' && !JSON.stringify(manifest.exports ?? {}).includes('"import"');
}

/** Chunks of an earlier build (their names carry a content hash, so a new build does not overwrite them). */
function removeOldChunks(dir) {
  for (const name of readdirSync(dir)) if (/^main\.bundle(-.+)?\.js(\.map)?$/.test(name)) rmSync(join(dir, name));
}

const started = performance.now();
await Promise.all(
  Object.entries(APPS).map(([app, { absent, splitting }]) => {
    const dir = `dist/apps/${app}/src`;
    removeOldChunks(dir);
    return build({
      entryPoints: { 'main.bundle': 'bundle-entry' },
      outdir: dir,
      // Chunks sit beside the entry, so paths found from import.meta.url (package.json, proto/) stay right.
      splitting,
      chunkNames: 'main.bundle-[name]-[hash]',
      metafile: Boolean(process.env.BUNDLE_META),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: EXTERNAL,
      plugins: [entryAfterPolyfill(`./${dir}/main.js`), absentPackages(absent), ...(splitting ? [dynamicCommonJs] : []), optionalPackages],
      // The CommonJS packages inside call `require` for Node built-ins and the externals above.
      banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
      // Nest reads class names (providers, controllers) for its tokens and logs.
      keepNames: true,
      sourcemap: 'linked',
      logLevel: 'warning',
    }).then((result) => {
      if (process.env.BUNDLE_META) writeFileSync(`${process.env.BUNDLE_META}-${app}.json`, JSON.stringify(result.metafile));
    });
  }),
);
process.stdout.write(`bundled ${Object.keys(APPS).join(', ')} in ${Math.round(performance.now() - started)} ms\n`);
