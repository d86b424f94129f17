/** Castore's event store over its DynamoDB single-table adapter, set up as its README documents. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventStore, EventType } from '@castore/core';
import { DynamoDBSingleTableEventStorageAdapter } from '@castore/event-storage-adapter-dynamodb';
import type { Deposit } from './events.js';

export const CASTORE_EVENT_STORE_ID = 'accounts';

export const depositedEventType = new EventType<'Deposited', Deposit>({ type: 'Deposited' });

export interface CastoreAccount {
  aggregateId: string;
  version: number;
  balance: number;
}

export function castoreEventStore(tableName: string, dynamoDBClient: DynamoDBClient) {
  return new EventStore({
    eventStoreId: CASTORE_EVENT_STORE_ID,
    eventTypes: [depositedEventType],
    reducer: (account: CastoreAccount | undefined, event): CastoreAccount => ({
      aggregateId: event.aggregateId,
      version: event.version,
      balance: (account?.balance ?? 0) + event.payload.amount,
    }),
    eventStorageAdapter: new DynamoDBSingleTableEventStorageAdapter({ tableName, dynamoDBClient }),
  });
}

export type CastoreStore = ReturnType<typeof castoreEventStore>;
