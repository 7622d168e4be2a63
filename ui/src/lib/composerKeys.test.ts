import { describe, expect, it } from 'vitest';
import { composerAction } from './composerKeys';

describe('composer keys', () => {
  it('sends on Enter', () => {
    expect(composerAction({ key: 'Enter', shiftKey: false })).toBe('send');
  });

  it('breaks the line on Shift+Enter', () => {
    expect(composerAction({ key: 'Enter', shiftKey: true })).toBe('newline');
  });

  it('does not send while an input method is still composing a character', () => {
    expect(composerAction({ key: 'Enter', shiftKey: false, isComposing: true })).toBe('newline');
  });

  it('ignores other keys', () => {
    expect(composerAction({ key: 'a', shiftKey: false })).toBe('none');
  });
});
