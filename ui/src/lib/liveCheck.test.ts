import { describe, expect, it } from 'vitest';
import { safeAvatar } from './format';
import { LiveCheck } from './liveCheck.svelte';
import type { Normalized } from './types';

describe('the live check', () => {
  it('keeps the answer for the latest input when an older answer comes back last', async () => {
    const pending = new Map<string, (answer: Normalized) => void>();
    const check = new LiveCheck(
      (value) => new Promise<Normalized>((resolve) => pending.set(value, resolve)),
      0,
    );
    const first = check.now('ab');
    const second = check.now('abcd');
    pending.get('abcd')?.({ normalized: 'abcd', refusal: null });
    await second;
    pending.get('ab')?.({ normalized: 'ab', refusal: 'too_short' });
    await first;
    expect(check.result).toEqual({ normalized: 'abcd', refusal: null });
  });

  it('clears what it showed when the field is emptied', async () => {
    const check = new LiveCheck(async (value) => ({ normalized: value, refusal: null }), 0);
    await check.now('alice');
    check.update('   ');
    expect(check.result).toBeNull();
  });
});

describe('avatars', () => {
  it('shows only embedded images, never a remote address', () => {
    expect(safeAvatar('data:image/png;base64,iVBORw0KGgo=')).toBe('data:image/png;base64,iVBORw0KGgo=');
    expect(safeAvatar('https://tracker.example/pixel.png')).toBeNull();
    expect(safeAvatar('data:image/svg+xml;base64,PHN2Zz4=')).toBeNull();
    expect(safeAvatar(null)).toBeNull();
  });
});
