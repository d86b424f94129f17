import type { Projection, StoredOf, Table } from 'dynago';
import type { AccountEvent } from './account.js';

/** What a balance moves by for one event of an account. */
export function balanceDelta(event: StoredOf<AccountEvent>): number {
  switch (event.type) {
    case 'Deposited':
    case 'TransferredIn':
      return event.data.amount;
    case 'Withdrawn':
    case 'TransferredOut':
      return -event.data.amount;
    case 'Opened':
      return 0;
  }
}

/**
 * The balances read model: one item per account (`balance#<streamId>`, sort key 0) holding its balance, and its
 * version, kept inside the item (`checkpoint: 'item'`): each projected event is one conditional
 * UpdateItem, 1 WCU under 1 KB, applied exactly once; consecutive events of an account are merged into
 * one UpdateItem (their `add`s summed).
 */
export function balancesProjection(readModel: Table, name = 'balances'): Projection {
  return {
    name,
    categories: ['account'],
    checkpoint: 'item',
    project: (stored) => {
      const event = stored as StoredOf<AccountEvent>;
      return [
        readModel.updateOp(`balance#${event.streamId}`, 0, {
          add: { balance: balanceDelta(event) },
          set: { account: event.streamId },
        }),
      ];
    },
  };
}
