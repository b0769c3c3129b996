/**
 * Runs the compose services as local processes, the way the containers would run them: each service's
 * command with exactly its compose environment (nothing inherited, as in a container), service host
 * names mapped to 127.0.0.1, in depends_on order, each dependency's own health check passing first.
 * Containers each have their own ports; here they share one host, so a port already taken is
 * replaced by a free one, consistently in every value that names it.
 */
import { execFile } from 'node:child_process';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, portOpen, startProcess, waitFor, type RunningProcess } from '../support/index.js';
import { startOrder, type ComposeService } from './compose-file.js';

/** A service this test provides itself (Redis: a private server), reachable on `port` for its container port. */
export interface ProvidedService {
  containerPort: number;
  port: number;
}

export interface LocalService {
  service: ComposeService;
  /** Container port → local port. */
  ports: Map<number, number>;
  /** The environment the process got, after localising. */
  environment: Record<string, string>;
  healthcheck: string[] | null;
  process: RunningProcess | null;
}

export interface LocalDeployment {
  readonly services: Map<string, LocalService>;
  /** Stops the started processes in reverse start order (SIGTERM, as `docker-compose down`); their exit codes by name. */
  stop(): Promise<Map<string, number | null>>;
}

/** Every env value, command argument and health check rewritten for one host; see the rules below. */
class Localizer {
  constructor(
    private readonly services: Map<string, ComposeService>,
    private readonly ports: Map<string, Map<number, number>>,
  ) {}

  /** An env value of `owner`: service names, published ports, and the owner's own listen ports. */
  environmentValue(owner: string, value: string): string {
    let result = value;
    // Another service by its DNS name: anycable-rpc:50051, redis://redis:6379/1.
    for (const [name, ports] of this.ports) {
      for (const [containerPort, local] of ports) {
        result = result.replace(new RegExp(`(?<![\\w.-])${escape(name)}:${containerPort}(?!\\d)`, 'g'), `127.0.0.1:${local}`);
      }
    }
    // A published port as the host (a browser) reaches it: ws://localhost:8181/ws.
    for (const service of this.services.values()) {
      for (const { published, target } of service.ports) {
        const local = this.ports.get(service.name)!.get(target)!;
        result = result.replace(new RegExp(`(localhost|127\\.0\\.0\\.1):${published}(?!\\d)`, 'g'), `$1:${local}`);
      }
    }
    // The owner's own listen settings: ANYCABLE_PORT=8181, [::]:50051.
    for (const [containerPort, local] of this.ports.get(owner) ?? []) {
      if (result === String(containerPort)) return String(local);
      result = result.replace(new RegExp(`^(\\[::\\]|::|0\\.0\\.0\\.0):${containerPort}$`), `$1:${local}`);
    }
    return result;
  }

  /** A health check runs inside the owner's container: 127.0.0.1:<its container port>. */
  healthcheckArgument(owner: string, argument: string): string {
    let result = argument;
    for (const [containerPort, local] of this.ports.get(owner) ?? []) {
      result = result.replace(new RegExp(`(localhost|127\\.0\\.0\\.1):${containerPort}(?!\\d)`, 'g'), `$1:${local}`);
    }
    return result;
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The compose port when it is free on this host, else a free one. */
async function localPortFor(port: number, taken: Set<number>): Promise<number> {
  let candidate = port;
  while (taken.has(candidate) || (await portOpen(candidate))) candidate = await freePort();
  taken.add(candidate);
  return candidate;
}

/** Runs a health check command once; true on exit code 0 within compose's `timeout` (3 s). */
function healthy(command: string[]): Promise<boolean> {
  const [program, ...args] = command;
  const executable = program === 'node' ? process.execPath : program!;
  return new Promise((resolve) => {
    execFile(executable, args, { timeout: 3_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } }, (error) => resolve(error === null));
  });
}

/** Runs `entry`'s health check every half second until it passes (compose: interval × retries, here 60 s at most). */
async function waitHealthy(entry: LocalService, why: string): Promise<void> {
  if (!entry.healthcheck) throw new Error(`${why}: ${entry.service.name} has no health check`);
  const check = entry.healthcheck;
  await waitFor(
    async () => (await healthy(check)) || (await sleep(500), false),
    `${entry.service.name}'s health check (${why}); output:\n${entry.process?.output().slice(-2000) ?? 'not started'}`,
    60_000,
  );
}

/**
 * Starts every service of `services` except the `provided` ones, in depends_on order; waits for each
 * `service_healthy` dependency's health check (the provided ones are healthy once given).
 */
export async function startLocalDeployment(
  services: Map<string, ComposeService>,
  provided: Map<string, ProvidedService>,
  imageEnv: Record<string, string>,
): Promise<LocalDeployment> {
  const taken = new Set<number>();
  const ports = new Map<string, Map<number, number>>();
  for (const service of services.values()) {
    const given = provided.get(service.name);
    const map = new Map<number, number>();
    if (given) map.set(given.containerPort, given.port);
    else for (const port of service.containerPorts) map.set(port, await localPortFor(port, taken));
    ports.set(service.name, map);
  }
  const localizer = new Localizer(services, ports);

  const local = new Map<string, LocalService>();
  for (const service of services.values()) {
    local.set(service.name, {
      service,
      ports: ports.get(service.name)!,
      environment: Object.fromEntries(Object.entries(service.environment).map(([key, value]) => [key, localizer.environmentValue(service.name, value)])),
      healthcheck: service.healthcheck?.map((argument) => localizer.healthcheckArgument(service.name, argument)) ?? null,
      process: null,
    });
  }

  const started: LocalService[] = [];
  const deployment: LocalDeployment = {
    services: local,
    async stop() {
      const codes = new Map<string, number | null>();
      for (const entry of [...started].reverse()) codes.set(entry.service.name, await entry.process!.stop('SIGTERM', 10_000));
      return codes;
    },
  };
  try {
    for (const service of startOrder(services)) {
      if (provided.has(service.name)) continue;
      for (const [dependency, condition] of Object.entries(service.dependsOn)) {
        if (condition !== 'service_healthy' || provided.has(dependency)) continue;
        await waitHealthy(local.get(dependency)!, `${service.name} depends on it`);
      }
      const entry = local.get(service.name)!;
      const [program, ...args] = service.command;
      if (program !== 'node') throw new Error(`${service.name}: only node commands run locally, got ${service.command.join(' ')}`);
      // `env -i`: the container's environment only (plus PATH to find node, and what the image sets).
      const environment = { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, ...imageEnv, ...entry.environment };
      entry.process = startProcess('env', ['-i', ...Object.entries(environment).map(([key, value]) => `${key}=${value}`), process.execPath, ...args], {}, service.name);
      started.push(entry);
    }
    for (const entry of started) if (entry.healthcheck) await waitHealthy(entry, 'started');
  } catch (error) {
    await deployment.stop();
    throw error;
  }
  return deployment;
}
