import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { Turns } from '../../apiserver/turns.js';

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

test('a start on an idle loop runs at once', () => {
  const turns = new Turns(2);
  let ran = false;
  turns.run(() => (ran = true));
  assert.equal(ran, true);
});

test('a burst starts in arrival order, a slice per turn, and what the first ones wrote leaves before the last start', async () => {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection');
  const client = connect((server.address() as { port: number }).port, '127.0.0.1');
  await once(client, 'connect');
  const [peer] = (await accepted) as [Socket];
  const order: number[] = [];
  const received: number[] = [];
  const startedWhenReceived: number[] = [];
  peer.on('data', (b: Buffer) => {
    for (const byte of b) received.push(byte);
    startedWhenReceived.push(order.length);
  });
  const turns = new Turns(2);
  const N = 20;
  await new Promise<void>((done) => {
    for (let i = 0; i < N; i++) {
      turns.run(() => {
        order.push(i);
        busy(0.5); // like parsing and validating a pod
        client.write(Buffer.from([i]));
        if (i === N - 1) done();
      });
    }
  });
  assert.deepEqual(order, Array.from({ length: N }, (_, i) => i));
  for (let t = Date.now(); received.length < N && Date.now() - t < 5000; ) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(received, Array.from({ length: N }, (_, i) => i));
  // The first slice's writes were read by the peer while later starts still waited.
  assert.ok(startedWhenReceived[0]! < N, `the first bytes arrived only after all ${N} starts`);
  client.destroy();
  peer.destroy();
  server.close();
});

test('starts that waited count their promise continuations against the slice they run in', async () => {
  const turns = new Turns(2);
  const turnOf: number[] = [];
  let turn = 0;
  const counting = (): void => {
    turn++;
    if (turnOf.length < 12) setImmediate(counting);
  };
  setImmediate(counting);
  turns.run(() => busy(3)); // fills this turn's slice: the rest wait
  await Promise.all(Array.from({ length: 12 }, (_, i) => new Promise<void>((resolve) => turns.run(() => resolve()))
    .then(() => {
      busy(1);
      turnOf[i] = turn;
    })));
  // 1 ms of work each in 2 ms slices: never all in one turn.
  assert.ok(new Set(turnOf).size >= 4, `12 starts of 1 ms ran in turns ${turnOf.join(',')}`);
});
