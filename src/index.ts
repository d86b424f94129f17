export * from './errors.js';
export * from './table/index.js';
