import { readFileSync } from 'node:fs';
import { WebSocket } from 'ws';

/** V8 heap usage reported by the inspector, in bytes. */
export interface HeapUsage {
  usedSize: number;
  totalSize: number;
}

/** Resident set size of a process in bytes (VmRSS of /proc/<pid>/status). */
export function readRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/**
 * Forces full garbage collections in another Node process through its inspector (works on any Node
 * server started with --inspect, without changing its code), then reads its heap usage.
 */
export async function collectGarbage(inspectorUrl: string, rounds = 2, timeoutMs = 30_000): Promise<HeapUsage> {
  const socket = new WebSocket(inspectorUrl, { perMessageDeflate: false });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  socket.on('message', (data) => {
    const reply = JSON.parse(data.toString()) as { id?: number; result?: unknown; error?: { message: string } };
    const waiter = reply.id === undefined ? undefined : pending.get(reply.id);
    if (!waiter || reply.id === undefined) return;
    pending.delete(reply.id);
    if (reply.error) waiter.reject(new Error(`inspector: ${reply.error.message}`));
    else waiter.resolve(reply.result);
  });
  const call = (method: string): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method }));
    });
  socket.on('close', () => {
    for (const waiter of pending.values()) waiter.reject(new Error(`inspector ${inspectorUrl} closed (timeout ${timeoutMs} ms)`));
    pending.clear();
  });
  const timer = setTimeout(() => socket.terminate(), timeoutMs);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('close', () => reject(new Error(`inspector ${inspectorUrl} closed`)));
    });
    for (let round = 0; round < rounds; round += 1) await call('HeapProfiler.collectGarbage');
    return (await call('Runtime.getHeapUsage')) as HeapUsage;
  } finally {
    clearTimeout(timer);
    socket.close();
  }
}
