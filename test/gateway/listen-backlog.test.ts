import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startGateway, type GatewayProcess } from '../support/gateway.js';

// The listen backlog of a listening socket is what `ss` shows as its Send-Q (iproute2, Linux).
function backlogOf(port: number): number {
  const line = execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' }).trim().split('\n')[0] ?? '';
  const sendQ = line.split(/\s+/)[2];
  assert.ok(sendQ !== undefined && /^\d+$/.test(sendQ), `ss shows the listening socket of port ${port}: "${line}"`);
  return Number(sendQ);
}

const gateways: GatewayProcess[] = [];
after(async () => {
  for (const gateway of gateways) await gateway.stop();
});

test('the gateway listens with the system maximum backlog (somaxconn), as anycable-go, unless listen_backlog says otherwise', async () => {
  const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim());
  const byDefault = await startGateway({});
  gateways.push(byDefault);
  assert.equal(backlogOf(byDefault.port), Math.min(somaxconn, 65_535));
  const set = await startGateway({ ANYCABLE_LISTEN_BACKLOG: '128' });
  gateways.push(set);
  assert.equal(backlogOf(set.port), 128);
});
