import { existsSync, readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { fileURLToPath } from 'node:url';

/** A call frame's location, as a .cpuprofile gives it (0-based line and column). */
export interface FrameLocation {
  url: string;
  lineNumber: number;
  columnNumber?: number;
}

/**
 * Maps call frames of a bundled file back to the files it was built from, through the source map
 * beside it (`<file>.map`, which scripts/bundle.mjs writes). Frames of files without a map are left
 * as they are.
 */
export class SourceResolver {
  private readonly maps = new Map<string, SourceMap | null>();

  /** Rewrites `frame` in place to its original file (as a file:// URL) and line, when a map knows it. */
  resolve(frame: FrameLocation): void {
    const map = this.mapOf(frame.url);
    if (!map || frame.lineNumber < 0) return;
    const entry = map.findEntry(frame.lineNumber, frame.columnNumber ?? 0) as { originalSource?: string; originalLine?: number };
    if (!entry.originalSource) return;
    frame.url = new URL(entry.originalSource, frame.url).href;
    frame.lineNumber = entry.originalLine ?? frame.lineNumber;
  }

  private mapOf(url: string): SourceMap | null {
    let map = this.maps.get(url);
    if (map !== undefined) return map;
    map = null;
    if (url.startsWith('file://') && url.endsWith('.js')) {
      const mapPath = `${fileURLToPath(url)}.map`;
      if (existsSync(mapPath)) map = new SourceMap(JSON.parse(readFileSync(mapPath, 'utf8')) as SourceMapPayload);
    }
    this.maps.set(url, map);
    return map;
  }
}
