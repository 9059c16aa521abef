import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeaderJobs, type LeaderRoutine } from './leader-jobs.js';

class Routine implements LeaderRoutine {
  events: string[] = [];
  failClose = false;
  start(): void {
    this.events.push('start');
  }
  close(): Promise<void> {
    this.events.push('close');
    return this.failClose ? Promise.reject(new Error('stuck')) : Promise.resolve();
  }
}

test('leader jobs - routines run only between establish and revoke, and again after a new establish', async () => {
  const jobs = new LeaderJobs();
  const a = new Routine();
  jobs.add('a', a);
  assert.deepEqual(a.events, [], 'nothing runs before leadership');
  assert.deepEqual(jobs.running, []);
  jobs.establish();
  jobs.establish();
  assert.deepEqual(a.events, ['start']);
  const b = new Routine();
  jobs.add('b', b);
  assert.deepEqual(b.events, ['start'], 'added while leading: starts at once');
  assert.deepEqual(jobs.running, ['a', 'b']);
  await jobs.revoke();
  await jobs.revoke();
  assert.deepEqual(a.events, ['start', 'close']);
  assert.deepEqual(b.events, ['start', 'close']);
  assert.equal(jobs.leader, false);
  jobs.establish();
  assert.deepEqual(a.events, ['start', 'close', 'start']);
  assert.throws(() => {
    jobs.add('a', new Routine());
  }, /already registered/);
});

test('leader jobs - revoke closes every routine even when one fails, then says which', async () => {
  const jobs = new LeaderJobs();
  const bad = new Routine();
  bad.failClose = true;
  const good = new Routine();
  jobs.add('bad', bad);
  jobs.add('good', good);
  jobs.establish();
  await assert.rejects(jobs.revoke(), /leader routines failed to stop: bad: stuck/);
  assert.deepEqual(good.events, ['start', 'close']);
});
