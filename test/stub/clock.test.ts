// The Chat API's timestamp format, and event times that never repeat within a channel.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChannelClock, formatTimestamp } from '../../server-stub/clock.js';

describe('formatTimestamp', () => {
  it('writes YYYY-MM-DDTHH:mm:ss.SSS in UTC, as toISOString does without its zone, in any order of calls', () => {
    // Times from 1970 to 2100, formatted in a random order (the function keeps the last second it made).
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 4_102_444_800_000 }), { minLength: 1, maxLength: 20 }), (times) => {
        for (const ms of times) expect(formatTimestamp(ms)).toBe(new Date(ms).toISOString().slice(0, 23));
      }),
    );
  });

  it('pads the milliseconds of a second', () => {
    expect(formatTimestamp(Date.UTC(2026, 11, 3, 10, 0, 5, 7))).toBe('2026-12-03T10:00:05.007');
    expect(formatTimestamp(Date.UTC(2026, 11, 3, 10, 0, 5, 70))).toBe('2026-12-03T10:00:05.070');
    expect(formatTimestamp(Date.UTC(2026, 11, 3, 10, 0, 5, 0))).toBe('2026-12-03T10:00:05.000');
  });
});

describe('ChannelClock', () => {
  it('hands out strictly increasing times within a channel even when the wall clock stands still or goes back', () => {
    const readings = [1000, 1000, 999, 1005, 1005];
    const clock = new ChannelClock(() => readings.shift()!);
    expect([1, 2, 3, 4, 5].map(() => clock.next('t'))).toEqual([1000, 1001, 1002, 1005, 1006]);
  });
});
