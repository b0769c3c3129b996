import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CableSocket } from '../transport/cable-socket.js';
import { LiveDelivery, type GapFiller, type HoldEnd, type LiveDeliveryOptions } from './live-delivery.js';

/** A socket stand-in recording what was written (LiveDelivery only calls sid, sendFrame and sendText). */
function socket(): { fake: CableSocket; written: string[] } {
  const written: string[] = [];
  const fake = {
    sid: 's1',
    sendFrame: (frame: Buffer) => written.push(frame.toString()) > 0,
    sendText: (text: string) => written.push(text) > 0,
  } as unknown as CableSocket;
  return { fake, written };
}

const at = (offset: number) => ({ epoch: 'E', offset });
const noFill = async () => null;
/** The shared context of LiveDelivery, from the bounds, a hold-end callback (without the sid) and a gap filler. */
const shared = (options: LiveDeliveryOptions, onHoldEnded: (reason: HoldEnd, released: number) => void, fill: GapFiller) => ({
  options,
  holdEnded: (_sid: string, reason: HoldEnd, released: number) => onHoldEnded(reason, released),
  fill,
});

test('nothing held: frames go straight through', () => {
  const { fake, written } = socket();
  const delivery = new LiveDelivery(fake, shared({ holdMs: 1000, maxHeld: 10 }, () => {}, noFill));
  assert.equal(delivery.sendFrame(Buffer.from('a'), 'id', 's', at(1)), true);
  assert.deepEqual(written, ['a']);
});

test('a restored subscription is held until its history answer; what the answer covered is dropped, now and later', () => {
  const { fake, written } = socket();
  const delivery = new LiveDelivery(fake, shared({ holdMs: 60_000, maxHeld: 10 }, () => {}, noFill));
  delivery.holdUntilAsked(['A', 'B']);
  delivery.sendFrame(Buffer.from('A3'), 'A', 's', at(3));
  delivery.sendFrame(Buffer.from('B1'), 'B', 't', at(1));
  delivery.sendFrame(Buffer.from('A4'), 'A', 's', at(4));
  delivery.sendFrame(Buffer.from('A-whisper'), 'A', 'w', null);
  assert.equal(written.length, 0);
  delivery.holdForAnswer('A');
  written.push('history of A up to 3', 'confirm_history A');
  delivery.answered('A', new Map([['s', at(3)]]));
  assert.deepEqual(written, ['history of A up to 3', 'confirm_history A', 'A4', 'A-whisper'], 'A3 covered by the answer; B still held');
  assert.equal(delivery.sendFrame(Buffer.from('A3-late'), 'A', 's', at(3)), false, 'a late relay of a covered offset is dropped');
  delivery.sendFrame(Buffer.from('A3-other-epoch'), 'A', 's', { epoch: 'F', offset: 3 });
  delivery.answered('B', new Map());
  assert.deepEqual(written.slice(4), ['A3-other-epoch', 'B1']);
});

test('holds end: unasked after holdMs; everything at once past maxHeld', async () => {
  const { fake, written } = socket();
  const ends: Array<[HoldEnd, number]> = [];
  const delivery = new LiveDelivery(fake, shared({ holdMs: 20, maxHeld: 2 }, (reason, released) => ends.push([reason, released]), noFill));
  delivery.holdUntilAsked(['A', 'B']);
  delivery.holdForAnswer('B'); // B's command came: it waits for its answer, not for the timer
  delivery.sendFrame(Buffer.from('A1'), 'A', 's', at(1));
  delivery.sendFrame(Buffer.from('B1'), 'B', 't', at(1));
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.deepEqual(written, ['A1']);
  assert.deepEqual(ends, [['timeout', 1]]);
  delivery.sendFrame(Buffer.from('B2'), 'B', 't', at(2));
  delivery.sendFrame(Buffer.from('B3'), 'B', 't', at(3));
  assert.deepEqual(written, ['A1', 'B1', 'B2', 'B3'], 'over maxHeld: released in order');
  assert.deepEqual(ends[1], ['overflow', 3]);
});

test('after a history answer the stream is continuous: a gap is fetched and written before what follows it', async () => {
  const { fake, written } = socket();
  const asked: string[] = [];
  const delivery = new LiveDelivery(fake, shared({ holdMs: 60_000, maxHeld: 10 }, () => {}, async (identifier, stream, after) => {
    asked.push(`${identifier} ${stream} after ${after.offset}`);
    return [4, 5, 6].map((offset) => ({ offset, text: `fetched ${offset}` }));
  }));
  delivery.holdForAnswer('A');
  delivery.answered('A', new Map([['s', at(3)]]));
  delivery.sendFrame(Buffer.from('A6'), 'A', 's', at(6));
  delivery.sendFrame(Buffer.from('A7'), 'A', 's', at(7));
  assert.equal(written.length, 0, 'waiting for the gap');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(asked, ['A s after 3']);
  assert.deepEqual(written, ['fetched 4', 'fetched 5', 'A6', 'A7'], 'the gap, then the live frames (6 not twice)');
  assert.equal(delivery.sendFrame(Buffer.from('A5'), 'A', 's', at(5)), false, 'a late relay of a fetched offset is dropped');
  delivery.sendFrame(Buffer.from('other'), 'B', 's', at(9));
  assert.equal(written.at(-1), 'other', 'a subscription without history answer passes as it is');
});
