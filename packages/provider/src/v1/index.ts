export type * from './compute.js';
export * from './define.js';
export * from './provider.js';
export type * from './queue.js';
export type * from './storage.js';
export type * from './streamer.js';
export * from './versions.js';
