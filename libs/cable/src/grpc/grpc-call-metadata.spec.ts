import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Metadata } from '@grpc/grpc-js';
import { speaksProtocolV1 } from '../runtime/call-metadata.js';
import { readCallMetadata } from './grpc-call-metadata.js';

test('reads sid and protov (comma lists split, several values joined)', () => {
  const metadata = new Metadata();
  metadata.set('sid', 'abc');
  metadata.add('protov', 'v0, v1');
  metadata.add('protov', 'v2');
  const read = readCallMetadata(metadata);
  assert.equal(read.sid, 'abc');
  assert.deepEqual(read.protocolVersions, ['v0', 'v1', 'v2']);
  assert.equal(speaksProtocolV1(read), true);
});

test('no metadata: empty sid, no versions, not v1', () => {
  const read = readCallMetadata(undefined);
  assert.deepEqual(read, { sid: '', protocolVersions: [] });
  assert.equal(speaksProtocolV1(read), false);
  assert.equal(speaksProtocolV1(readCallMetadata(Object.assign(new Metadata(), {}))), false);
});

test('v10 is not v1', () => {
  const metadata = new Metadata();
  metadata.set('protov', 'v10');
  assert.equal(speaksProtocolV1(readCallMetadata(metadata)), false);
});
