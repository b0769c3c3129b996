import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PublicationLog, StreamPosition } from '../broker/broker.js';
import type { GatewayLogger } from '../log/logger.js';
import { StreamSequencer } from './stream-sequencer.js';

const quiet = { error() {} } as unknown as GatewayLogger;

/** A publication log whose registrations resolve when the test says, in any order. */
function manualLog() {
  const waiting: Array<{ stream: string; data: string; resolve: (position: StreamPosition | null) => void }> = [];
  const log: PublicationLog = {
    register: (stream, data) => new Promise((resolve) => waiting.push({ stream, data, resolve })),
    historyFrom: () => ({ ok: false, error: 'unused' }),
    historySince: () => ({ ok: false, error: 'unused' }),
  };
  return { log, waiting };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('async positions answered out of order are delivered in each stream order; streams do not wait for each other', async () => {
  const { log, waiting } = manualLog();
  const delivered: string[] = [];
  const sequencer = new StreamSequencer(log, (p, position) => delivered.push(`${p.data}@${position?.offset ?? '-'}`), 100, quiet);
  sequencer.push({ stream: 'a', data: 'a1' }, true);
  sequencer.push({ stream: 'a', data: 'a2' }, true);
  sequencer.push({ stream: 'a', data: 'a3' }, false); // transient: not registered, still behind a1, a2
  sequencer.push({ stream: 'b', data: 'b1' }, true);
  assert.equal(sequencer.pending, 3);
  waiting[1]!.resolve({ epoch: 'e', offset: 2 });
  waiting[2]!.resolve({ epoch: 'e', offset: 1 });
  await tick();
  assert.deepEqual(delivered, ['b1@1'], 'a2 waits for a1; b is not held by a');
  waiting[0]!.resolve({ epoch: 'e', offset: 1 });
  await tick();
  assert.deepEqual(delivered, ['b1@1', 'a1@1', 'a2@2', 'a3@-']);
  assert.equal(sequencer.pending, 0);
  sequencer.push({ stream: 'a', data: 'a4' }, false);
  assert.deepEqual(delivered.at(-1), 'a4@-', 'nothing waiting: delivered at once');
});

test('synchronous positions are delivered at once; past maxPending publications go unregistered, in order', async () => {
  const positions: string[] = [];
  let offset = 0;
  const syncLog: PublicationLog = { ...manualLog().log, register: () => ({ epoch: 'm', offset: ++offset }) };
  const sync = new StreamSequencer(syncLog, (p, position) => positions.push(`${p.data}@${position?.offset}`), 1, quiet);
  sync.push({ stream: 's', data: 'x' }, true);
  assert.deepEqual(positions, ['x@1'], 'no microtask in between');

  const { log, waiting } = manualLog();
  const delivered: string[] = [];
  const bounded = new StreamSequencer(log, (p, position) => delivered.push(`${p.data}@${position?.offset ?? '-'}`), 1, quiet);
  bounded.push({ stream: 'a', data: '1' }, true);
  bounded.push({ stream: 'a', data: '2' }, true);
  assert.equal(waiting.length, 1, 'the second is not registered: one registration in flight at most');
  waiting[0]!.resolve({ epoch: 'e', offset: 7 });
  await tick();
  assert.deepEqual(delivered, ['1@7', '2@-']);
});
