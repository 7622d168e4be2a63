import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { tauriBackend, type Backend } from './lib/backend';

/** Outside Tauri, `npm run dev` with `?preview` fills the screens with sample data, only to look at them. */
async function chooseBackend(): Promise<Backend> {
  const params = new URLSearchParams(location.search);
  if (import.meta.env.DEV && params.has('preview')) {
    const { previewBackend } = await import('./test/preview');
    return previewBackend(params);
  }
  return tauriBackend;
}

const target = document.getElementById('app');
if (target) {
  void chooseBackend().then((backend) => mount(App, { target, props: { backend } }));
}
