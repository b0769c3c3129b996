/**
 * The Dockerfile and .dockerignore read the way `docker build` reads them, as far as this
 * repository's image uses them: stages (FROM ... AS name), COPY (with --from), RUN, ENV and CMD,
 * line continuations, exec (JSON) and shell forms. Anything else is refused, so a new instruction
 * gets taught here instead of being skipped silently.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Instruction =
  | { kind: 'COPY'; from: string | null; sources: string[]; destination: string }
  | { kind: 'RUN'; command: string }
  | { kind: 'ENV'; name: string; value: string }
  | { kind: 'CMD'; argv: string[] }
  | { kind: 'WORKDIR'; path: string }
  | { kind: 'USER'; user: string };

export interface Stage {
  name: string;
  baseImage: string;
  instructions: Instruction[];
}

export function readDockerfile(dir: string): Stage[] {
  return parseDockerfile(readFileSync(join(dir, 'Dockerfile'), 'utf8'));
}

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const line of logicalLines(text)) {
    const [keyword, rest] = splitFirstWord(line);
    const instruction = keyword.toUpperCase();
    if (instruction === 'FROM') {
      const match = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      if (!match) throw new Error(`Dockerfile: cannot read FROM ${rest}`);
      stages.push({ baseImage: match[1], name: match[2] ?? String(stages.length), instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`Dockerfile: ${instruction} before any FROM`);
    stage.instructions.push(parseInstruction(instruction, rest));
  }
  return stages;
}

function parseInstruction(instruction: string, rest: string): Instruction {
  switch (instruction) {
    case 'COPY': {
      let from: string | null = null;
      let words = rest.startsWith('[') ? (JSON.parse(rest) as string[]) : rest.split(/\s+/);
      const options = words.filter((word) => word.startsWith('--'));
      for (const option of options) {
        if (option.startsWith('--from=')) from = option.slice('--from='.length);
        else throw new Error(`Dockerfile: COPY option ${option} is not understood by this reader`);
      }
      words = words.filter((word) => !word.startsWith('--'));
      if (words.length < 2) throw new Error(`Dockerfile: COPY needs a source and a destination: ${rest}`);
      return { kind: 'COPY', from, sources: words.slice(0, -1), destination: words.at(-1) as string };
    }
    case 'RUN':
      return { kind: 'RUN', command: rest };
    case 'ENV': {
      const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:=|\s+)(.*)$/.exec(rest);
      if (!match) throw new Error(`Dockerfile: cannot read ENV ${rest}`);
      return { kind: 'ENV', name: match[1], value: match[2] };
    }
    case 'CMD':
      return { kind: 'CMD', argv: rest.startsWith('[') ? (JSON.parse(rest) as string[]) : ['sh', '-c', rest] };
    case 'WORKDIR':
      return { kind: 'WORKDIR', path: rest };
    case 'USER':
      return { kind: 'USER', user: rest };
    default:
      throw new Error(`Dockerfile: ${instruction} is not understood by this reader (test/deploy/dockerfile.ts)`);
  }
}

/** Instructions one per element: comments and blank lines dropped, `\` continuations joined. */
function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    lines.push(pending + line);
    pending = '';
  }
  if (pending) lines.push(pending.trim());
  return lines;
}

function splitFirstWord(line: string): [string, string] {
  const match = /^(\S+)\s*(.*)$/.exec(line);
  return match ? [match[1], match[2].trim()] : [line, ''];
}

/**
 * A .dockerignore as `docker build` applies it: each pattern (Go filepath.Match with `**` for any
 * number of folders) excludes the paths it matches and the paths below them; a `!` pattern
 * includes them again; the last matching pattern wins.
 */
export function readDockerignore(dir: string): (path: string) => boolean {
  let text = '';
  try {
    text = readFileSync(join(dir, '.dockerignore'), 'utf8');
  } catch {
    return () => false; // no .dockerignore: nothing is excluded
  }
  const rules = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const include = line.startsWith('!');
      const pattern = (include ? line.slice(1) : line).replace(/^\/+/, '').replace(/\/+$/, '');
      return { include, matches: patternMatcher(pattern) };
    });
  return (path: string): boolean => {
    let ignored = false;
    // A pattern matching a parent folder applies to everything below it.
    const prefixes = path.split('/').map((_, index, parts) => parts.slice(0, index + 1).join('/'));
    for (const rule of rules) if (prefixes.some((prefix) => rule.matches(prefix))) ignored = !rule.include;
    return ignored;
  };
}

function patternMatcher(pattern: string): (path: string) => boolean {
  let regex = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index];
    if (char === '*' && pattern[index + 1] === '*') {
      // `**/` matches zero or more folders; a trailing `**` anything.
      if (pattern[index + 2] === '/') {
        regex += '(?:.*/)?';
        index += 2;
      } else {
        regex += '.*';
        index += 1;
      }
    } else if (char === '*') regex += '[^/]*';
    else if (char === '?') regex += '[^/]';
    else regex += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  const compiled = new RegExp(`^${regex}$`);
  return (path) => compiled.test(path);
}
