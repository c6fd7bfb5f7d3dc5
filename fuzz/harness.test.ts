import { describe, expect, it } from 'vitest';
import { distribute } from './harness.js';

describe('distribute', () => {
  it('splits exactly the total, by weight', () => {
    const shares = distribute(100_000, [3, 1, 1, 1, 1, 1, 1]);
    expect(shares.reduce((a, b) => a + b, 0)).toBe(100_000);
    expect(shares[0]).toBeGreaterThan(shares[1]! * 2.9);
  });

  it('adds up for awkward totals and many weights', () => {
    for (const total of [7, 80, 99_959, 100_000, 123_457]) {
      const weights = Array.from({ length: 80 }, (_, i) => 1 + (i % 5));
      const shares = distribute(total, weights);
      if (total >= weights.length) expect(shares.reduce((a, b) => a + b, 0)).toBe(total);
      expect(shares.every((s) => s >= 1)).toBe(true);
    }
  });

  it('gives every entry point at least one case when the total is smaller', () => {
    expect(distribute(2, [1, 1, 1])).toEqual([1, 1, 1]);
    expect(distribute(5, [])).toEqual([]);
  });
});
