/** A test clock for the server (no server needed: unit tests use it too). */
import type { Clock } from '../context.js';

/** A clock that stands still until moved. */
export class TestClock implements Clock {
  constructor(private current = Date.now()) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}
