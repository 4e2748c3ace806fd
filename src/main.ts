import { mount } from 'svelte';
import App from './App.svelte';
import { labDriver } from './lib/driver';
import { ensureCrossOriginIsolation } from './lib/crossOriginIsolation';
import './app.css';

window.safetuneLab = labDriver;
// On a host without COOP/COEP headers: the service worker adds them (one reload, first visit).
void ensureCrossOriginIsolation();

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');
mount(App, { target });
