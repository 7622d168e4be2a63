import { describe, expect, it } from 'vitest';
import { UNREAD_COUNT_LIMIT, unreadBadge } from './format';

describe('unreadBadge', () => {
  it('shows a count below the limit as it is', () => {
    expect(unreadBadge(1)).toBe('1');
    expect(unreadBadge(UNREAD_COUNT_LIMIT - 1)).toBe('999');
  });

  it('shows 999+ once the client stopped counting', () => {
    expect(unreadBadge(UNREAD_COUNT_LIMIT)).toBe('999+');
    expect(unreadBadge(5 * UNREAD_COUNT_LIMIT)).toBe('999+');
  });
});
