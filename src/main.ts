import { mount } from 'svelte';
import App from './App.svelte';
import { createLabWorker } from './lib/labClient';
import './app.css';

declare global {
  interface Window {
    /** Driver API for the CLI, the benchmarks and the e2e tests: the same worker the page uses. */
    safetuneLab: { createLabWorker: typeof createLabWorker };
  }
}
window.safetuneLab = { createLabWorker };

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');
mount(App, { target });
