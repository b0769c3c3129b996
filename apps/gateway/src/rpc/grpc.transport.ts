import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import { PROTOV_METADATA_KEY, PROTOV_VERSION, RPC_PACKAGE, RPC_SERVICE, SID_METADATA_KEY } from '#libs/protocol';
import type { RpcConfig } from '../config/gateway-config.js';
import { MAX_RETRY_DELAY_MS } from './retry-policy.js';
import type { RpcMethod, RpcTransport } from './rpc-transport.js';

type UnaryStub = (
  request: unknown,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, response: unknown) => void,
) => grpc.ClientUnaryCall;

/**
 * AnyCable RPC over gRPC (proto/anycable/rpc.proto): one grpc-js channel (round robin over every
 * address of a `dns:///` target); each call carries `protov: v1` and `sid` metadata and the deadline.
 * A failed attempt rejects with grpc-js's ServiceError (its `code` is the status).
 */
export class GrpcTransport implements RpcTransport {
  private readonly client: grpc.Client;
  private readonly stubs: Record<RpcMethod, UnaryStub>;

  constructor(config: RpcConfig, definition: PackageDefinition) {
    const loaded = grpc.loadPackageDefinition(definition) as unknown as Record<string, Record<string, grpc.ServiceClientConstructor>>;
    const Service = loaded[RPC_PACKAGE][RPC_SERVICE];
    this.client = new Service(config.host, credentialsOf(config), channelOptionsOf(config));
    const client = this.client as unknown as Record<RpcMethod, UnaryStub>;
    this.stubs = { Connect: client.Connect.bind(client), Command: client.Command.bind(client), Disconnect: client.Disconnect.bind(client) };
  }

  invoke(method: RpcMethod, sid: string, request: unknown, deadline: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const metadata = new grpc.Metadata();
      metadata.set(PROTOV_METADATA_KEY, PROTOV_VERSION);
      metadata.set(SID_METADATA_KEY, sid);
      this.stubs[method](request, metadata, { deadline }, (error, response) => (error ? reject(error) : resolve(response)));
    });
  }

  close(): void {
    this.client.close();
  }
}

function credentialsOf(config: RpcConfig): grpc.ChannelCredentials {
  if (!config.enableTls) return grpc.credentials.createInsecure();
  const rootCa = config.tlsRootCa
    ? Buffer.from(config.tlsRootCa.includes('-----BEGIN') ? config.tlsRootCa : readFileSync(config.tlsRootCa, 'utf8'))
    : null;
  // rpc_tls_verify=false skips the host name check (the chain is still checked against the CA).
  return grpc.credentials.createSsl(rootCa, null, null, config.tlsVerify ? {} : { checkServerIdentity: () => undefined });
}

function channelOptionsOf(config: RpcConfig): grpc.ChannelOptions {
  return {
    // dns:///name:port resolves to every address; calls are spread over them.
    'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
    // Retries are ours (retry-policy.ts), with anycable-go's backoff.
    'grpc.enable_retries': 0,
    // Channelz (grpc-js's introspection service, which we do not serve) tracks every call: not
    // needed, and measurable per call in a connect storm.
    'grpc.enable_channelz': 0,
    // Reconnect quickly after an RPC restart: calls fail fast (UNAVAILABLE) while disconnected,
    // and the backoff caps how long a restarted server stays unseen.
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': MAX_RETRY_DELAY_MS,
    ...(config.maxRecvSize > 0 ? { 'grpc.max_receive_message_length': config.maxRecvSize } : {}),
    ...(config.maxSendSize > 0 ? { 'grpc.max_send_message_length': config.maxSendSize } : {}),
  };
}
