/**
 * ONE behavioural suite for the event and snapshot stores, run against DynamoDB Local
 * (test/contract/dynamodb.test.ts) and in memory (test/unit/inMemoryContract.test.ts): the same tests,
 * the same expectations, so the in-memory stores are proven to behave as the real ones. Behaviour that
 * only DynamoDB has (request counts, raw items, gaps written around the store) stays in test/events.
 */
import { appendContract } from './appendContract.js';
import { definitionsContract } from './definitionsContract.js';
import { readContract } from './readContract.js';
import { repositoryContract } from './repositoryContract.js';
import { snapshotContract } from './snapshotContract.js';
import type { ContractStores, MakeStores } from './stores.js';

export type { ContractStores, MakeStores } from './stores.js';

/**
 * Describes the contract for the stores `makeStores` makes. `cleanup` runs once at the end (delete the
 * tables it made).
 */
export function describeEventStoreContract(
  name: string,
  makeStores: MakeStores,
  cleanup: () => Promise<void> = async () => {},
): void {
  describe(`contract: ${name}`, () => {
    let shared: ContractStores | undefined;
    before(async () => {
      shared = await makeStores();
    });
    after(cleanup);
    const context = {
      shared: () => {
        if (!shared) throw new Error('the contract stores are made in a before hook');
        return shared;
      },
      fresh: makeStores,
    };
    appendContract(context);
    readContract(context);
    snapshotContract(context);
    repositoryContract(context);
    definitionsContract(context);
  });
}
