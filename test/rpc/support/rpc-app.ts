import { freePort, startApp, type RunningProcess } from '../../support/index.js';
import { createRpcClient, type RpcClient } from './rpc-client.js';

/** The secret the tests sign tokens with. */
export const TEST_JWT_SECRET = 'test-secret-for-rpc-e2e';

/** The built RPC app started on a free port, with a client connected to it. */
export interface StartedRpcApp {
  readonly process: RunningProcess;
  readonly client: RpcClient;
  readonly address: string;
  stop(): Promise<void>;
}

/** Starts `dist/apps/rpc/src/main.bundle.js` (as `npm run start:rpc`) and waits for its "listening" line. */
export async function startRpcApp(env: Record<string, string> = {}): Promise<StartedRpcApp> {
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const app = startApp('rpc', { ANYCABLE_RPC_HOST: address, JWT_SECRET: TEST_JWT_SECRET, ...env });
  try {
    await app.waitForOutput(/RPC server listening on/, 20_000);
  } catch (error) {
    await app.stop('SIGKILL');
    throw error;
  }
  const client = createRpcClient(address);
  return {
    process: app,
    client,
    address,
    async stop() {
      client.close();
      await app.stop();
    },
  };
}
