import { cleanup } from '@testing-library/svelte';
import { afterEach } from 'vitest';

// jsdom has no modal dialogs: open and close them as attributes, as a browser would show them.
if (typeof HTMLDialogElement.prototype.showModal !== 'function') {
  HTMLDialogElement.prototype.showModal = function showModal(this: HTMLDialogElement) {
    this.setAttribute('open', '');
  };
  HTMLDialogElement.prototype.close = function close(this: HTMLDialogElement) {
    this.removeAttribute('open');
  };
}

afterEach(() => cleanup());
