export * from './aggregates/index.js';
export * from './errors.js';
export * from './events/index.js';
export * from './projections/index.js';
export * from './snapshots/index.js';
export * from './table/index.js';
