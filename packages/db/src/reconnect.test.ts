import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reconnectDelaySeconds } from './client';

describe('reconnecting to Postgres after failures', () => {
  it('never waits more than a second, however many failures came before', () => {
    fc.assert(
      fc.property(fc.nat(1_000), (retries) => {
        const delay = reconnectDelaySeconds(retries);
        expect(delay).toBeGreaterThan(0);
        expect(delay).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('starts fast: the first retries come within a tenth of a second', () => {
    expect(reconnectDelaySeconds(0)).toBeLessThanOrEqual(0.05);
    expect(reconnectDelaySeconds(1)).toBeLessThanOrEqual(0.1);
  });
});
