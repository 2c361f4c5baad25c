export { structuredError } from './context.js';
export { decide } from './decide.js';
export type * from './facts.js';
export type * from './plan.js';
export { acceptedOrThrow, rejectionError } from './rejections.js';
