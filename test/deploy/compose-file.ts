/**
 * docker-compose.yaml and .env read the way docker-compose reads them, as far as the deployment uses
 * them: merge keys, env_file then environment, ports, expose, health checks, depends_on.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export interface ComposeService {
  name: string;
  image?: string;
  command: string[];
  /** env_file values, then `environment` over them. */
  environment: Record<string, string>;
  /** Published ports: host port → container port. */
  ports: Array<{ published: number; target: number }>;
  /** Container ports reachable by the other services: `ports` targets and `expose`. */
  containerPorts: number[];
  /** The health check's command (the part after "CMD"), if any. */
  healthcheck: string[] | null;
  dependsOn: Record<string, string>;
}

/** `.env` lines: KEY=VALUE, `#` comments and blank lines skipped, values literal (docker-compose v1 semantics). */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const equals = line.indexOf('=');
    if (equals <= 0) throw new Error(`.env: not KEY=VALUE: ${JSON.stringify(raw)}`);
    env[line.slice(0, equals).trim()] = line.slice(equals + 1);
  }
  return env;
}

interface RawService {
  image?: string;
  command?: string[] | string;
  env_file?: string | string[];
  environment?: Record<string, string | number | boolean> | string[];
  ports?: string[];
  expose?: Array<string | number>;
  healthcheck?: { test?: string[] | string };
  depends_on?: string[] | Record<string, { condition?: string }>;
}

/** The services of `<dir>/docker-compose.yaml`, with their env files read relative to `dir`. */
export function readCompose(dir: string): Map<string, ComposeService> {
  const document = parse(readFileSync(join(dir, 'docker-compose.yaml'), 'utf8'), { merge: true }) as { services: Record<string, RawService> };
  const services = new Map<string, ComposeService>();
  for (const [name, raw] of Object.entries(document.services)) {
    const envFiles = raw.env_file === undefined ? [] : Array.isArray(raw.env_file) ? raw.env_file : [raw.env_file];
    const environment: Record<string, string> = {};
    for (const file of envFiles) Object.assign(environment, parseEnvFile(readFileSync(join(dir, file), 'utf8')));
    Object.assign(environment, environmentOf(raw.environment));
    const ports = (raw.ports ?? []).map((mapping) => {
      const match = /^(\d+):(\d+)$/.exec(String(mapping));
      if (!match) throw new Error(`${name}: port mapping ${mapping} is not "host:container"`);
      return { published: Number(match[1]), target: Number(match[2]) };
    });
    const test = raw.healthcheck?.test;
    services.set(name, {
      name,
      image: raw.image,
      command: typeof raw.command === 'string' ? raw.command.split(/\s+/) : (raw.command ?? []),
      environment,
      ports,
      containerPorts: [...new Set([...ports.map((port) => port.target), ...(raw.expose ?? []).map(Number)])],
      healthcheck: Array.isArray(test) && test[0] === 'CMD' ? test.slice(1) : null,
      dependsOn: Array.isArray(raw.depends_on)
        ? Object.fromEntries(raw.depends_on.map((dependency) => [dependency, 'service_started']))
        : Object.fromEntries(Object.entries(raw.depends_on ?? {}).map(([dependency, spec]) => [dependency, spec.condition ?? 'service_started'])),
    });
  }
  return services;
}

function environmentOf(raw: RawService['environment']): Record<string, string> {
  if (raw === undefined) return {};
  if (Array.isArray(raw)) {
    return Object.fromEntries(raw.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(raw).map(([key, value]) => [key, String(value)]));
}

/** Services in an order where each comes after everything it depends on. */
export function startOrder(services: Map<string, ComposeService>): ComposeService[] {
  const ordered: ComposeService[] = [];
  const visiting = new Set<string>();
  const visit = (name: string): void => {
    if (ordered.some((service) => service.name === name)) return;
    if (visiting.has(name)) throw new Error(`depends_on cycle through ${name}`);
    const service = services.get(name);
    if (!service) throw new Error(`depends_on names an unknown service ${name}`);
    visiting.add(name);
    for (const dependency of Object.keys(service.dependsOn)) visit(dependency);
    visiting.delete(name);
    ordered.push(service);
  };
  for (const name of services.keys()) visit(name);
  return ordered;
}
