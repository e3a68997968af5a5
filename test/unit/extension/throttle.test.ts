import assert from 'node:assert/strict';
import { Throttle, type Clock } from '../../../src/extension/plots/throttle';

/** A manual clock: timers fire only when the test advances time. */
class FakeClock implements Clock {
  t = 0;
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private nextId = 1;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.nextId++;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  };
  clearTimeout = (id: unknown) => {
    this.timers = this.timers.filter((x) => x.id !== id);
  };
  advance(ms: number) {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = due.at;
      due.fn();
    }
    this.t = end;
  }
}

describe('extension: update throttle (batching to the plot update rate)', () => {
  it('runs at most once per interval however often it is asked', () => {
    const clock = new FakeClock();
    let runs = 0;
    const throttle = new Throttle(
      () => runs++,
      () => 100,
      clock,
    );
    // 1000 requests spread over one second, as a fast trainer would cause.
    for (let i = 0; i < 1000; i++) {
      throttle.schedule();
      clock.advance(1);
    }
    clock.advance(200);
    assert.ok(runs >= 10 && runs <= 11, `ran ${runs} times in ~1 s at 10 Hz`);
  });

  it('runs right away when idle, and once more at the end of a burst', () => {
    const clock = new FakeClock();
    const times: number[] = [];
    const throttle = new Throttle(
      () => times.push(clock.t),
      () => 100,
      clock,
    );
    throttle.schedule();
    clock.advance(0);
    assert.deepEqual(times, [0]);
    throttle.schedule();
    throttle.schedule();
    clock.advance(50);
    assert.deepEqual(times, [0], 'not again inside the interval');
    clock.advance(60);
    assert.deepEqual(times, [0, 100]);
    clock.advance(1000);
    assert.deepEqual(times, [0, 100], 'nothing when nobody asks');
  });

  it('follows a changed interval and does nothing after dispose', () => {
    const clock = new FakeClock();
    let interval = 100;
    let runs = 0;
    const throttle = new Throttle(
      () => runs++,
      () => interval,
      clock,
    );
    throttle.schedule();
    clock.advance(0);
    interval = 500;
    throttle.schedule();
    clock.advance(400);
    assert.equal(runs, 1);
    clock.advance(100);
    assert.equal(runs, 2);
    throttle.schedule();
    throttle.dispose();
    clock.advance(10000);
    assert.equal(runs, 2);
  });
});
