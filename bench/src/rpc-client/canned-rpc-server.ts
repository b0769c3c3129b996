/**
 * The server side of the RPC client cost bench, run as its own process so that only the clients'
 * CPU is read: one gRPC server (grpc-js, the AnyCable contract) and one HTTP server (anycable-go's
 * JSON over HTTP paths) that answer every Connect with the same small message at once. Prints
 * `{"grpc":<port>,"http":<port>}` on stdout when both listen.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { loadRpcDefinition, RPC_PACKAGE, RPC_SERVICE, Status, type ConnectionResponse } from '#libs/protocol';

/** What the demo app answers a signed-in Connect with, give or take the names. */
export const CANNED_CONNECT: ConnectionResponse = {
  status: Status.SUCCESS,
  identifiers: '{"current_user":"bench-user-1"}',
  transmissions: ['{"type":"welcome"}'],
  error_msg: '',
  env: { cstate: {}, istate: {} },
};

// The contract as the RPC app's own server builds it (libs/cable CableGrpcServer).
const definition = loadRpcDefinition();
const loaded = grpc.loadPackageDefinition(definition) as unknown as Record<string, Record<string, grpc.ServiceClientConstructor>>;
const grpcServer = new grpc.Server();
grpcServer.addService(loaded[RPC_PACKAGE][RPC_SERVICE].service, {
  Connect: (_call: unknown, reply: grpc.sendUnaryData<ConnectionResponse>) => reply(null, CANNED_CONNECT),
});
const grpcPort = await new Promise<number>((resolve, reject) =>
  grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
);

const answer = JSON.stringify(CANNED_CONNECT);
const httpServer = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
    response.end(answer);
  });
});
await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
process.stdout.write(`${JSON.stringify({ grpc: grpcPort, http: (httpServer.address() as AddressInfo).port })}\n`);
process.on('SIGTERM', () => process.exit(0));
