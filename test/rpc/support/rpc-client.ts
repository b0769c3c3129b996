import { credentials, loadPackageDefinition, Metadata, type Client, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import {
  PROTOV_METADATA_KEY,
  PROTOV_VERSION,
  RPC_LOADER_OPTIONS,
  RPC_PROTO_PATH,
  SID_METADATA_KEY,
  type CommandMessage,
  type CommandResponse,
  type ConnectionRequest,
  type ConnectionResponse,
  type DisconnectRequest,
  type DisconnectResponse,
  type Env,
} from '#libs/protocol';

/** Metadata of one call: `protov` (default v1; null sends none) and `sid`. */
export interface CallOptions {
  protov?: string | null;
  sid?: string;
}

/** A real @grpc/grpc-js client of `anycable.RPC`, loading the same proto as the app. */
export interface RpcClient {
  connect(request: DeepPartial<ConnectionRequest>, options?: CallOptions): Promise<ConnectionResponse>;
  command(request: DeepPartial<CommandMessage>, options?: CallOptions): Promise<CommandResponse>;
  disconnect(request: DeepPartial<DisconnectRequest>, options?: CallOptions): Promise<DisconnectResponse>;
  close(): void;
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? Partial<T[K]> : T[K] };

type UnaryMethod = (request: unknown, metadata: Metadata, options: { deadline: Date }, callback: (error: ServiceError | null, response: unknown) => void) => void;

/** Opens a client to `address` (`host:port`). */
export function createRpcClient(address: string): RpcClient {
  const definition = loadSync(RPC_PROTO_PATH, { ...RPC_LOADER_OPTIONS });
  const anycable = loadPackageDefinition(definition).anycable as unknown as Record<string, new (address: string, creds: unknown) => Client>;
  const client = new anycable.RPC!(address, credentials.createInsecure()) as Client & Record<string, UnaryMethod>;

  const call = <T>(method: string, request: unknown, options: CallOptions = {}): Promise<T> => {
    const metadata = new Metadata();
    const protov = options.protov === undefined ? PROTOV_VERSION : options.protov;
    if (protov !== null) metadata.set(PROTOV_METADATA_KEY, protov);
    metadata.set(SID_METADATA_KEY, options.sid ?? 'test-sid');
    return new Promise((resolve, reject) => {
      client[method]!.call(client, request, metadata, { deadline: new Date(Date.now() + 10_000) }, (error, response) =>
        error ? reject(error) : resolve(response as T),
      );
    });
  };

  return {
    connect: (request, options) => call('Connect', request, options),
    command: (request, options) => call('Command', request, options),
    disconnect: (request, options) => call('Disconnect', request, options),
    close: () => client.close(),
  };
}

/** An env for a request to `url` with `headers` (names as the gateway sends them: lower-cased). */
export function env(url = 'ws://localhost:8080/cable', headers: Record<string, string> = {}, extra: Partial<Env> = {}): Env {
  return { url, headers, cstate: {}, istate: {}, ...extra };
}
