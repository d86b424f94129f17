import type { IndexDefinition } from '../table/index.js';
import type { Table } from '../table/Table.js';

/**
 * The attribute that puts a stream in the category index: written on each stream's first event
 * (version 1) only, with the stream's category as its value.
 */
export const CATEGORY_ATTRIBUTE = 'category';

/**
 * The definition of a category index for `table.createTable({ indexes: [categoryIndex(table)] })`: a
 * global secondary index keyed by category, then by the stream's partition key, holding keys only. Give
 * its name to `new EventStore({ table, categoryIndex })` and `readAll({ category })` lists the category's
 * streams from it instead of scanning the table.
 *
 * What it costs, in capacity units:
 * - writing: each stream's first event also writes one index entry of about 100 bytes: 1 WCU per new
 *   stream (on-demand: one write request unit), nothing for later events, which carry no `category`;
 * - reading a category: the index Query reads about 100 bytes per stream (eventually consistent: 0.5 RCU
 *   per 4 KB, so about 80 streams per RCU), then one consistent Query per stream (1 RCU per 4 KB of its
 *   events, at least 1). A scan pays for every item of the table instead: a category that is 1 % of the
 *   table costs about 1 % as much to read through the index;
 * - one index partition per category takes its writes: DynamoDB allows about 1 000 writes a second per
 *   partition, so at most about 1 000 new streams a second in one category.
 *
 * The index is eventually consistent: a stream created a moment ago may not be listed yet (typically
 * well under a second). Streams created before the index existed are listed once their version 1
 * carries `category`; appends have written it since this index was introduced.
 */
export function categoryIndex(table: Table, name = 'byCategory'): IndexDefinition {
  return {
    name,
    partitionKey: { name: CATEGORY_ATTRIBUTE, type: 'S' },
    sortKey: { name: table.partitionKeyName, type: 'S' },
    projection: 'KEYS_ONLY',
  };
}
