import { ConcurrencyError, ConditionFailedError, type StreamDeletion, ValidationError } from '../errors.js';
import { MAX_EVENT_VERSION, SNAPSHOT_SORT_KEY } from '../internal/layout.js';
import { checkExpectedVersion } from '../internal/validate.js';
import type { Table } from '../table/Table.js';
import { deletionOf, eventPartition } from './codec.js';
import { isStreamToken, type StreamToken } from './token.js';

export interface DeleteStreamOptions {
  /**
   * Delete only if the stream is at this version (a number, or a token), else ConcurrencyError and
   * nothing is deleted. A deletion already begun is finished whatever this says.
   */
  expectedVersion?: number | StreamToken;
  signal?: AbortSignal;
}

export interface DeletedStream {
  streamId: string;
  /** The stream's last version when it was deleted (0: it never existed). */
  version: number;
  /** The archive table, for `archive`. */
  archivedTo?: string;
}

/**
 * Deletes a stream's events and snapshot, leaving a tombstone, resumable, in three steps:
 *
 * 1. **The tombstone**, at version N + 1 above the last event N: a conditional put, like an append, so a
 *    concurrent append either lands first (and is deleted with the rest: the tombstone goes above it)
 *    or fails. From here on the stream is deleted: loads, `head`, `version` and appends of any kind
 *    (`'any'`, a number, version 1 for a "new" stream) fail with StreamDeletedError.
 * 2. **Every event item becomes a stub**: its data, type, metadata and ids are removed, and only its key
 *    and `deleted` remain (about 40 bytes), so that no append can ever write into a deleted stream's
 *    versions, not even one from a process holding an old token. BatchWriteItem, 25 items per request:
 *    1 WCU per event, as a delete would cost.
 * 3. **The snapshot** is replaced by a stub (1 WCU): a snapshot save never writes over one.
 *
 * Interrupted anywhere, calling it again finishes the work (it reads the partition's keys again: one
 * Query per 1 MB of the stream), and a half-deleted stream never reads as valid: a read that meets a stub
 * or the tombstone throws StreamDeletedError. A range read of events not yet stubbed, during step 2,
 * can still return them. `readAll` and rebuilds pass over deleted streams.
 */
export async function deleteStream(
  table: Table,
  streamId: string,
  options: DeleteStreamOptions,
  archivedTo?: string,
): Promise<DeletedStream> {
  const signal = options.signal;
  const sortKey = table.sortKeyName as string;
  const pk = eventPartition(streamId);
  const call = signal ? { signal } : {};
  const marker = { at: Date.now(), ...(archivedTo !== undefined ? { archivedTo } : {}) };
  const token = options.expectedVersion;
  if (isStreamToken(token) && token.streamId !== streamId) {
    throw new ValidationError(
      `deleteStream: expectedVersion is a token of stream "${token.streamId}", not of "${streamId}".`,
    );
  }
  const checked = isStreamToken(token)
    ? token.version
    : token === undefined
      ? undefined
      : checkExpectedVersion(token, 'deleteStream: expectedVersion');
  if (checked === 'any') {
    throw new ValidationError(
      "deleteStream: expectedVersion must be a version number or a token; leave it out for 'any'.",
    );
  }
  const expected = checked;

  // 1. The tombstone above the last event (or found, when a deletion was begun before): what every stub
  // then records is what the tombstone says.
  let last = 0;
  let deleted: StreamDeletion = marker;
  for (;;) {
    const { items } = await table.query<Record<string, unknown>>(
      '#pk = :pk AND #sk <= :last',
      { ':pk': pk, ':last': MAX_EVENT_VERSION },
      {
        names: { '#pk': table.partitionKeyName, '#sk': sortKey },
        ascending: false,
        limit: 1,
        consistentRead: true,
        fields: [sortKey, 'deleted'],
        ...call,
      },
    );
    const top = items[0];
    if (top?.deleted !== undefined) {
      last = ((top.deleted as { lastVersion?: number }).lastVersion ??
        (top[sortKey] as number) - 1) as number;
      deleted = deletionOf(top) ?? marker;
      break;
    }
    const head = (top?.[sortKey] as number | undefined) ?? 0;
    if (expected !== undefined && head !== expected) {
      throw new ConcurrencyError(streamId, expected, head);
    }
    try {
      await table.putItem(
        pk,
        head + 1,
        { deleted: { ...marker, lastVersion: head } },
        {
          condition: { expression: 'attribute_not_exists(#pk)', names: { '#pk': table.partitionKeyName } },
          ...call,
        },
      );
      last = head;
      break;
    } catch (error) {
      // an append landed first: with an expected version that is a conflict, else delete it too
      if (!(error instanceof ConditionFailedError)) throw error;
      // a tombstone there: our own earlier attempt (a lost response) or another deleter: finish the work
      if (error.item?.deleted !== undefined) continue;
      if (expected !== undefined) throw new ConcurrencyError(streamId, expected, undefined, { cause: error });
    }
  }

  // 2. Stubs in place of the events that are still whole.
  let stubs: Record<string, unknown>[] = [];
  const flush = async () => {
    if (stubs.length > 0) await table.batchWriteItems(stubs, call);
    stubs = [];
  };
  for await (const page of table.queryPages<Record<string, unknown>>(
    '#pk = :pk AND #sk <= :last',
    { ':pk': pk, ':last': last },
    {
      names: { '#pk': table.partitionKeyName, '#sk': sortKey },
      consistentRead: true,
      fields: [sortKey, 'deleted'],
      ...call,
    },
  )) {
    for (const item of page) {
      if (item.deleted !== undefined) continue;
      stubs.push({ [table.partitionKeyName]: pk, [sortKey]: item[sortKey], deleted });
      if (stubs.length >= 100) await flush();
    }
  }
  await flush();

  // 3. The snapshot: a stub in its place too, so that a save racing the deletion cannot put it back.
  await table.putItem(pk, SNAPSHOT_SORT_KEY, { deleted }, call);
  return {
    streamId,
    version: last,
    ...(deleted.archivedTo !== undefined ? { archivedTo: deleted.archivedTo } : {}),
  };
}
