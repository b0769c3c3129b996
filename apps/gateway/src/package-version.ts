import { readFileSync } from 'node:fs';

/** This repository's version (package.json), from the sources or dist/. */
export function packageVersion(): string {
  const relative = import.meta.url.includes('/dist/') ? '../../../../package.json' : '../../../package.json';
  const manifest = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}
