import { mount } from 'svelte';
import App from './App.svelte';
import { labDriver } from './lib/driver';
import './app.css';

window.safetuneLab = labDriver;

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');
mount(App, { target });
