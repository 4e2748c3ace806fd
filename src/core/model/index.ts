export * from './batch';
export * from './checkpoint';
export * from './config';
export * from './generate';
export * from './gpt';
export type { LinearInputTap } from './mlp';
export * from './safetensors';
export * from './weights';
