import type { Theme } from './types';

/**
 * Puts the resolved theme (light or dark) on the root element, following the system
 * setting while the choice is "system". Returns a function that stops following it.
 */
export function applyTheme(theme: Theme, root: HTMLElement = document.documentElement): () => void {
  const query = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;
  const resolve = () => {
    root.dataset.theme = theme === 'system' ? (query?.matches ? 'dark' : 'light') : theme;
  };
  resolve();
  if (theme !== 'system' || !query) return () => {};
  query.addEventListener('change', resolve);
  return () => query.removeEventListener('change', resolve);
}
