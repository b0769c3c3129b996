/**
 * A real gRPC server speaking the AnyCable RPC contract (proto/anycable/rpc.proto), scriptable per
 * test: it stands in for "any AnyCable RPC server" in front of which the gateway must work, and lets
 * a test produce what a real app rarely does on demand (ERROR, FAILURE, RESOURCE_EXHAUSTED,
 * UNAVAILABLE, slow answers, a restart on the same port). Every call is recorded with its metadata.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import {
  RPC_LOADER_OPTIONS,
  RPC_PROTO_PATH,
  Status,
  type CommandMessage,
  type CommandResponse,
  type ConnectionRequest,
  type ConnectionResponse,
  type DisconnectRequest,
  type DisconnectResponse,
} from '#libs/protocol';
import { freePort, waitFor } from './ports.js';

export type RpcMethod = 'Connect' | 'Command' | 'Disconnect';

/** One call as the server saw it. */
export interface RecordedCall<Request = unknown> {
  readonly method: RpcMethod;
  readonly request: Request;
  /** gRPC metadata, first value of each key. */
  readonly metadata: Record<string, string>;
  readonly at: number;
}

/** Thrown by a script handler to answer with a gRPC error instead of a message. */
export class GrpcFailure extends Error {
  constructor(
    readonly code: grpc.status,
    message = grpc.status[code],
  ) {
    super(message);
  }
}

export interface RpcScript {
  connect(request: ConnectionRequest, call: RecordedCall<ConnectionRequest>): Partial<ConnectionResponse> | Promise<Partial<ConnectionResponse>>;
  command(request: CommandMessage, call: RecordedCall<CommandMessage>): Partial<CommandResponse> | Promise<Partial<CommandResponse>>;
  disconnect(request: DisconnectRequest, call: RecordedCall<DisconnectRequest>): Partial<DisconnectResponse> | Promise<Partial<DisconnectResponse>>;
}

/** The identifier of a `Feed` channel following `stream` (the default script subscribes it to its `stream` param). */
export const feed = (stream: string): string => JSON.stringify({ channel: 'Feed', stream });

/** The channel name in an Action Cable identifier, or '' if it is not JSON. */
export function channelOf(identifier: string): string {
  try {
    return String((JSON.parse(identifier) as { channel?: unknown }).channel ?? '');
  } catch {
    return '';
  }
}

/**
 * Default behaviour, close to a LiteCable app: Connect welcomes everyone with identifiers
 * `{"user":"<the ?user= query param, or anonymous>"}` and refuses user `intruder` (FAILURE with
 * the unauthorized disconnect frame); subscribe confirms and follows the identifier's `stream` param (or the
 * channel name), except channel `Forbidden` which is rejected; message echoes `data` back as a
 * transmission to the subscription; unsubscribe and Disconnect succeed.
 */
export const DEFAULT_SCRIPT: RpcScript = {
  connect: (request) => {
    const user = new URL(request.env.url).searchParams.get('user') ?? 'anonymous';
    if (user === 'intruder') {
      return { status: Status.FAILURE, transmissions: ['{"type":"disconnect","reason":"unauthorized","reconnect":false}'] };
    }
    return { status: Status.SUCCESS, identifiers: JSON.stringify({ user }), transmissions: ['{"type":"welcome"}'] };
  },
  command: (request) => {
    const { identifier } = request;
    if (request.command === 'subscribe') {
      if (channelOf(identifier) === 'Forbidden') {
        return { status: Status.FAILURE, transmissions: [JSON.stringify({ identifier, type: 'reject_subscription' })] };
      }
      let stream = channelOf(identifier);
      try {
        stream = String((JSON.parse(identifier) as { stream?: string }).stream ?? stream);
      } catch {
        // not JSON: the channel-less identifier follows no stream name of its own
      }
      return { status: Status.SUCCESS, streams: [stream], transmissions: [JSON.stringify({ identifier, type: 'confirm_subscription' })] };
    }
    if (request.command === 'message') {
      return { status: Status.SUCCESS, transmissions: [JSON.stringify({ identifier, message: { echo: JSON.parse(request.data) as unknown } })] };
    }
    return { status: Status.SUCCESS };
  },
  disconnect: () => ({ status: Status.SUCCESS }),
};

const CONNECTION_DEFAULTS: ConnectionResponse = { status: Status.SUCCESS, identifiers: '', transmissions: [], error_msg: '', env: null };
const COMMAND_DEFAULTS: CommandResponse = {
  status: Status.SUCCESS,
  disconnect: false,
  stop_streams: false,
  streams: [],
  transmissions: [],
  error_msg: '',
  env: null,
  stopped_streams: [],
  presence: null,
};

export class ScriptedRpcServer {
  readonly calls: RecordedCall[] = [];
  script: RpcScript = { ...DEFAULT_SCRIPT };
  /** Calls being served right now, and the most seen at once (concurrency checks). */
  inFlight = 0;
  maxInFlight = 0;
  private server: grpc.Server | null = null;

  private constructor(readonly port: number) {}

  /** Starts on a free port (or `port`, to come back on the same one). */
  static async start(script: Partial<RpcScript> = {}, port?: number): Promise<ScriptedRpcServer> {
    const server = new ScriptedRpcServer(port ?? (await freePort()));
    server.script = { ...DEFAULT_SCRIPT, ...script };
    await server.listen();
    return server;
  }

  /** `host:port` for ANYCABLE_RPC_HOST. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  callsOf<Request = unknown>(method: RpcMethod): RecordedCall<Request>[] {
    return this.calls.filter((call) => call.method === method) as RecordedCall<Request>[];
  }

  commands(command?: string): RecordedCall<CommandMessage>[] {
    return this.callsOf<CommandMessage>('Command').filter((call) => !command || call.request.command === command);
  }

  async waitForCalls(method: RpcMethod, count: number, timeoutMs = 10_000, filter: (call: RecordedCall) => boolean = () => true): Promise<RecordedCall[]> {
    return waitFor(
      () => {
        const calls = this.calls.filter((call) => call.method === method && filter(call));
        return calls.length >= count ? calls : null;
      },
      `${count} ${method} call(s) (saw ${this.calls.filter((call) => call.method === method).length})`,
      timeoutMs,
    );
  }

  /** Stops at once (in-flight calls are cancelled), as a crashed RPC app would. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    server?.forceShutdown();
  }

  /** Starts again on the same port. */
  async restart(): Promise<void> {
    await this.listen();
  }

  private async listen(): Promise<void> {
    const definition = protoLoader.loadSync(RPC_PROTO_PATH, RPC_LOADER_OPTIONS);
    const loaded = grpc.loadPackageDefinition(definition) as unknown as { anycable: { RPC: grpc.ServiceClientConstructor } };
    const server = new grpc.Server();
    server.addService(loaded.anycable.RPC.service, {
      Connect: this.handler('Connect', (request, call) => this.script.connect(request as ConnectionRequest, call as RecordedCall<ConnectionRequest>), CONNECTION_DEFAULTS),
      Command: this.handler('Command', (request, call) => this.script.command(request as CommandMessage, call as RecordedCall<CommandMessage>), COMMAND_DEFAULTS),
      Disconnect: this.handler('Disconnect', (request, call) => this.script.disconnect(request as DisconnectRequest, call as RecordedCall<DisconnectRequest>), {
        status: Status.SUCCESS,
        error_msg: '',
      }),
    });
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${this.port}`, grpc.ServerCredentials.createInsecure(), (error) => (error ? reject(error) : resolve())),
    );
    this.server = server;
  }

  private handler(method: RpcMethod, run: (request: unknown, call: RecordedCall) => unknown, defaults: object): grpc.handleUnaryCall<unknown, unknown> {
    return (call, callback) => {
      const metadata: Record<string, string> = {};
      for (const [key, values] of Object.entries(call.metadata.getMap())) metadata[key] = String(values);
      const recorded: RecordedCall = { method, request: call.request, metadata, at: Date.now() };
      this.calls.push(recorded);
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      Promise.resolve()
        .then(() => run(call.request, recorded))
        .then(
          (response) => callback(null, { ...defaults, ...(response as object) }),
          (error: unknown) =>
            callback({
              code: error instanceof GrpcFailure ? error.code : grpc.status.INTERNAL,
              details: (error as Error).message,
            } as grpc.ServiceError),
        )
        .finally(() => this.inFlight--);
    };
  }
}
