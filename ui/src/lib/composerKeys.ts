export interface KeyLike {
  key: string;
  shiftKey: boolean;
  isComposing?: boolean;
}

/** Enter sends; Shift+Enter, and Enter while an input method is composing, break the line. */
export function composerAction(event: KeyLike): 'send' | 'newline' | 'none' {
  if (event.key !== 'Enter') return 'none';
  if (event.shiftKey || event.isComposing) return 'newline';
  return 'send';
}
