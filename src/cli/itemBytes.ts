import { inspectItem } from '../internal/item.js';

/**
 * An item's size as DynamoDB counts it (for its 400 KB limit and for capacity units), worked out from the
 * item as read: the UTF-8 bytes of every attribute name, plus each value — a string its UTF-8 bytes, a
 * number 1 byte plus 1 per two significant digits, a binary its bytes, a boolean or null 1 byte, a list
 * or map 3 bytes plus 1 per element (and a map's key names), a set the sum of its elements. The key
 * attributes count like any other. DynamoDB adds nothing it does not tell about, except 100 bytes per
 * item of index overhead in the table's size (not counted here).
 */
export function itemBytes(item: Record<string, unknown>): number {
  try {
    return inspectItem(item, 'item');
  } catch {
    // Not something dynago would write (inspectItem refuses what it could not store); still counted.
    return Buffer.byteLength(JSON.stringify(item) ?? '', 'utf8');
  }
}
