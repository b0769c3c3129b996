import { readFileSync } from 'node:fs';

/** Self size and count of one kind of heap object (a V8 node type + constructor or string class). */
export interface HeapKind {
  kind: string;
  count: number;
  bytes: number;
}

interface RawSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/**
 * Sums a .heapsnapshot's objects by kind: `object Foo` (constructor name), `closure name`,
 * `array`, `string`, `code`, `hidden …` (V8 internals such as system / Map backing stores).
 * Strings, numbers and code are grouped by type only, not by content.
 */
export function summarizeHeapSnapshot(path: string): Map<string, HeapKind> {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as RawSnapshot;
  const fields = raw.snapshot.meta.node_fields;
  const types = raw.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const kinds = new Map<string, HeapKind>();
  for (let offset = 0; offset < raw.nodes.length; offset += width) {
    const type = types[raw.nodes[offset + typeAt]];
    const named = type === 'object' || type === 'closure' || type === 'hidden' || type === 'native' || type === 'object shape';
    const kind = named ? `${type} ${raw.strings[raw.nodes[offset + nameAt]].slice(0, 60)}` : type;
    const entry = kinds.get(kind) ?? { kind, count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += raw.nodes[offset + sizeAt];
    kinds.set(kind, entry);
  }
  return kinds;
}

/** What `after` holds beyond `before`, per kind, largest first; `per` divides (e.g. per connection). */
export function diffHeapSummaries(before: Map<string, HeapKind>, after: Map<string, HeapKind>, per = 1): HeapKind[] {
  const rows: HeapKind[] = [];
  for (const [kind, entry] of after) {
    const base = before.get(kind) ?? { count: 0, bytes: 0 };
    rows.push({ kind, count: (entry.count - base.count) / per, bytes: (entry.bytes - base.bytes) / per });
  }
  return rows.sort((a, b) => b.bytes - a.bytes);
}
