import { getContext, setContext } from 'svelte';
import type { AppModel } from './app.svelte';

const KEY = Symbol('attesta-app');

export function provideApp(app: AppModel): void {
  setContext(KEY, app);
}

/** The window's shared state and its backend, for any component below App. */
export function useApp(): AppModel {
  const app = getContext<AppModel | undefined>(KEY);
  if (!app) throw new Error('useApp() outside App');
  return app;
}
