export * from './batch';
export * from './checkpoint';
export * from './config';
export * from './generate';
export * from './languageModel';
export * from './architecture';
export type { LinearInputTap } from './forward';
export * from './safetensors';
export * from './weights';
