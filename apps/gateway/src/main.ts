import 'reflect-metadata';
import { ConfigError } from './config/config.error.js';
import type { GatewayConfig } from './config/gateway-config.js';
import { loadConfig } from './config/load-config.js';
import { describeListenError } from './lifecycle/listen-error.js';
import { usage } from './config/raw-options.js';
import { packageVersion } from './package-version.js';

/**
 * Entry point (`npm run start:gateway`). The configuration is read and validated before anything
 * heavy is loaded, so a bad value is reported (exit 1, naming the option) at once.
 */
function readConfig(): GatewayConfig {
  try {
    const loaded = loadConfig(process.argv.slice(2), process.env);
    if (loaded.kind === 'run') return loaded.config;
    process.stdout.write(loaded.kind === 'help' ? `${usage()}\n` : `${packageVersion()}\n`);
    process.exit(0);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`Configuration error: ${error.message}\n`);
    process.exit(1);
  }
}

const config = readConfig();
import('./bootstrap.js')
  .then(({ bootstrap }) => bootstrap(config))
  .catch((error: Error) => {
    const line = describeListenError(error, config);
    process.stderr.write(`Gateway failed to start: ${line ?? error.stack ?? error.message}\n`);
    process.exit(1);
  });
