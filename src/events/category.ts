import { ValidationError } from '../errors.js';

/**
 * Streams belong to categories, one per aggregate type: the stream `cart-42` is the aggregate `42` of the
 * category `cart`. A category is letters, digits and `_` (never `-`), so the category of a stream id is
 * the text before its first `-`; a stream id without `-` is its own category (a singleton stream such as
 * `settings`). This is the naming convention of Message DB and Equinox, so stream ids read the same
 * across tools.
 */
const CATEGORY = /^[A-Za-z0-9_]+$/;

/** Throws ValidationError unless `category` is a non-empty string of letters, digits and `_`. */
export function checkCategory(category: unknown, what = 'category'): string {
  if (typeof category !== 'string' || !CATEGORY.test(category)) {
    throw new ValidationError(
      `${what} must be letters, digits and _ (for example 'cart' or 'bank_account'), got ${
        typeof category === 'string' ? JSON.stringify(category) : String(category)
      }. A category names an aggregate type; the stream of aggregate 42 is '<category>-42'.`,
    );
  }
  return category;
}

/** The category of a stream id: the text before the first `-`, or the whole id when it has none. */
export function categoryOf(streamId: string): string {
  const dash = streamId.indexOf('-');
  return dash === -1 ? streamId : streamId.slice(0, dash);
}

/** The stream of aggregate `id` in `category`: `<category>-<id>`. */
export function streamIdOf(category: string, id: string): string {
  return `${category}-${id}`;
}
