import type { TableDescription } from '@aws-sdk/client-dynamodb';
import { KeySchemaError, type TableKeySchema, ValidationError } from '../errors.js';
import type { KeySchema } from './keys.js';

/**
 * What DynamoDB (or DynamoDB Local, whose wording differs) says when a request's key does not fit the
 * table's key: other attribute names, a missing key attribute, or a key value of another type.
 */
const KEY_MISMATCH =
  /key element does not match the schema|missed key schema element|required keys was not given a value|number of conditions on the keys is invalid|missing the key|type mismatch for key|condition parameter type does not match schema type/i;

/** True when DynamoDB's message says the request's key did not fit the table's key schema. */
export function isKeyMismatch(message: string): boolean {
  return KEY_MISMATCH.test(message);
}

const TYPE_NAMES: Record<string, string> = { S: 'a string', N: 'a number', B: 'binary' };

/** `"pk" (S, a string)` */
function attribute(key: { name: string; type: string }): string {
  return `"${key.name}" (${key.type}, ${TYPE_NAMES[key.type] ?? 'unknown type'})`;
}

/** `partition key "pk" (S, a string) and sort key "sk" (N, a number)`, or `… and no sort key`. */
export function describeKeySchema(schema: TableKeySchema): string {
  return `partition key ${attribute(schema.partitionKey)} and ${
    schema.sortKey ? `sort key ${attribute(schema.sortKey)}` : 'no sort key'
  }`;
}

/** The table's key from a DescribeTable answer. */
export function keySchemaOf(description: TableDescription | undefined): TableKeySchema {
  const elements = description?.KeySchema ?? [];
  const types = new Map(
    (description?.AttributeDefinitions ?? []).map((definition) => [
      definition.AttributeName ?? '',
      definition.AttributeType ?? '?',
    ]),
  );
  const key = (keyType: 'HASH' | 'RANGE') => {
    const name = elements.find((element) => element.KeyType === keyType)?.AttributeName;
    return name === undefined ? undefined : { name, type: types.get(name) ?? '?' };
  };
  const partitionKey = key('HASH') ?? { name: '?', type: '?' };
  const sortKey = key('RANGE');
  return sortKey ? { partitionKey, sortKey } : { partitionKey };
}

/** True when the `Table`'s key names are the table's. */
export function sameKeyNames(configured: KeySchema, actual: TableKeySchema): boolean {
  return (
    configured.partitionKeyName === actual.partitionKey.name &&
    configured.sortKeyName === actual.sortKey?.name
  );
}

/** `partitionKeyName: 'pk', sortKeyName: 'sk'` (the options of new Table that fit the table). */
function keyOptions(actual: TableKeySchema): string {
  return `partitionKeyName: '${actual.partitionKey.name}'${actual.sortKey ? `, sortKeyName: '${actual.sortKey.name}'` : ''}`;
}

/**
 * The error for a request DynamoDB refused because its key did not fit the table (`dynamoMessage`),
 * knowing the table's real key (`actual`): the configured key names, or the key types, named against
 * the table's. `what` is `PutItem on table "x"`.
 */
export function keyMismatchError(
  configured: KeySchema,
  actual: TableKeySchema,
  what: string,
  dynamoMessage: string,
  cause: unknown,
): KeySchemaError {
  const said = `DynamoDB said: ${dynamoMessage.replace(/\.$/, '')}.`;
  if (!sameKeyNames(configured, actual)) {
    const mine = `partition key "${configured.partitionKeyName}" and ${
      configured.sortKeyName === undefined ? 'no sort key' : `sort key "${configured.sortKeyName}"`
    }`;
    return new KeySchemaError(
      `${what}: this Table is configured with ${mine}, but the table's key is ${describeKeySchema(actual)}. ` +
        `Give new Table the table's key names (${keyOptions(actual)}). ${said}`,
      configured.tableName,
      actual,
      { cause },
    );
  }
  return new KeySchemaError(
    `${what}: a key value does not have the type the table declares; its key is ${describeKeySchema(actual)}. ` +
      'Pass key values of those types. Key types are fixed when a table is created ' +
      `(createTable({ partitionKeyType, sortKeyType })): values of other types need a table created for them. ${said}`,
    configured.tableName,
    actual,
    { cause },
  );
}

/** A ValidationError from DynamoDB whose message says the key did not fit: worth a DescribeTable. */
export function needsKeySchema(error: unknown): error is ValidationError {
  return (
    error instanceof ValidationError &&
    !(error instanceof KeySchemaError) &&
    isKeyMismatch(sdkMessage(error.cause))
  );
}

/** The message of the SDK's exception (`cause` of a translated error). */
export function sdkMessage(cause: unknown): string {
  const message = (cause as { message?: unknown } | null | undefined)?.message;
  return typeof message === 'string' ? message : '';
}
