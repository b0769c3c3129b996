import { ConfigError } from './config.error.js';
import { OPTIONS_BY_NAME, canonicalOptionName, envNameOf, type OptionSpec } from './config-options.js';

/** One option's text as the user gave it, and where it came from (for error messages). */
export interface RawOption {
  readonly spec: OptionSpec;
  readonly text: string;
  /** `--rpc_host`, `ANYCABLE_RPC_HOST`, or `default`. */
  readonly source: string;
  readonly explicit: boolean;
}

export type CommandLine =
  | { kind: 'run'; options: ReadonlyMap<string, RawOption> }
  | { kind: 'help' }
  | { kind: 'version' };

/**
 * Reads flags (`--name=value`, `--name value`, `-name=value`, bare `--bool_flag`) and env vars,
 * with anycable-go's precedence: flag, then `ANYCABLE_<NAME>`, then the option's extra env vars
 * (`PORT`, `REDIS_URL`), then the default. Unknown flags are refused; env vars we do not know are
 * left alone (they may belong to the RPC app sharing the same `.env`).
 */
export function readCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv): CommandLine {
  const flags = new Map<string, RawOption>();
  for (let index = 0; index < argv.length; index++) {
    const token = argv[index];
    if (!token.startsWith('-') || token === '-' || token === '--') {
      throw new ConfigError(token, `unexpected argument "${token}": options are given as --name=value`);
    }
    const body = token.replace(/^--?/, '');
    const equals = body.indexOf('=');
    const rawName = equals >= 0 ? body.slice(0, equals) : body;
    const name = canonicalOptionName(rawName);
    if (name === 'h' || name === 'help') return { kind: 'help' };
    if (name === 'v' || name === 'version') return { kind: 'version' };
    const spec = OPTIONS_BY_NAME.get(name);
    if (!spec) throw new ConfigError(rawName, `unknown option --${rawName} (see --help)`);
    let text: string;
    if (equals >= 0) {
      text = body.slice(equals + 1);
    } else if (spec.kind === 'bool') {
      text = 'true';
    } else {
      const next = argv[index + 1];
      if (next === undefined) throw new ConfigError(spec.name, `option --${spec.name} needs a value`);
      text = next;
      index++;
    }
    flags.set(spec.name, { spec, text, source: `--${spec.name}`, explicit: true });
  }

  const options = new Map<string, RawOption>();
  for (const spec of OPTIONS_BY_NAME.values()) {
    const fromFlag = flags.get(spec.name);
    if (fromFlag) {
      options.set(spec.name, fromFlag);
      continue;
    }
    const envName = [envNameOf(spec.name), ...(spec.extraEnv ?? [])].find((name) => (env[name] ?? '') !== '');
    options.set(
      spec.name,
      envName
        ? { spec, text: env[envName] as string, source: envName, explicit: true }
        : { spec, text: spec.default, source: 'default', explicit: false },
    );
  }
  return { kind: 'run', options };
}

/** Usage text listing every option with its env var and default. */
export function usage(): string {
  const lines = ['Usage: node dist/apps/gateway/src/main.bundle.js [--option=value ...]', '', 'Options (flag / env var, default):'];
  for (const spec of OPTIONS_BY_NAME.values()) {
    if (spec.support === 'ignored') continue;
    const env = [envNameOf(spec.name), ...(spec.extraEnv ?? [])].join(', ');
    const note = spec.support === 'unsupported' ? ' [not implemented]' : '';
    lines.push(`  --${spec.name} (${env}, default: ${JSON.stringify(spec.default)})${note}`, `      ${spec.description}`);
  }
  return lines.join('\n');
}
