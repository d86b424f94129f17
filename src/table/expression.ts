import { ValidationError } from '../errors.js';

/**
 * A condition or filter written by the caller. Attribute names and values never appear in
 * `expression` itself: they go through placeholders (`#name`, `:value`) defined in `names` and
 * `values`, so no caller's value is ever concatenated into an expression.
 *
 * @example
 * ```ts
 * const onlyOpen: Condition = { expression: '#status = :open', names: { '#status': 'status' }, values: { ':open': 'OPEN' } };
 * ```
 */
export interface Condition {
  expression: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
}

const PLACEHOLDER = /[#:][A-Za-z0-9_]+/g;
const NAME_KEY = /^#[A-Za-z0-9_]+$/;
const VALUE_KEY = /^:[A-Za-z0-9_]+$/;

/**
 * The one expression-placeholder builder. It collects the caller's placeholders (checking that each
 * one used is defined and each one defined is used) and hands out fresh placeholders for the
 * library's own names and values that never collide with the caller's.
 */
export class ExpressionBuilder {
  private readonly names: Record<string, string> = {};
  private readonly values: Record<string, unknown> = {};
  private counter = 0;

  /**
   * Adds the caller's expression and its placeholders; returns the expression to embed.
   * `what` names the parameter in error messages (for example `options.condition`).
   */
  addCaller(
    expression: string,
    names: Record<string, string> | undefined,
    values: Record<string, unknown> | undefined,
    what: string,
  ): string {
    if (typeof expression !== 'string' || expression.trim() === '') {
      throw new ValidationError(`${what} must be a non-empty expression string.`);
    }
    for (const [key, name] of Object.entries(names ?? {})) {
      if (!NAME_KEY.test(key)) {
        throw new ValidationError(
          `${what}: name placeholder "${key}" must look like "#name" (letters, digits, _).`,
        );
      }
      if (typeof name !== 'string' || name === '') {
        throw new ValidationError(
          `${what}: name placeholder "${key}" must map to a non-empty attribute name.`,
        );
      }
      if (key in this.names && this.names[key] !== name) {
        throw new ValidationError(
          `${what}: name placeholder "${key}" is defined twice with different attribute names.`,
        );
      }
      this.names[key] = name;
    }
    for (const [key, value] of Object.entries(values ?? {})) {
      if (!VALUE_KEY.test(key)) {
        throw new ValidationError(
          `${what}: value placeholder "${key}" must look like ":value" (letters, digits, _).`,
        );
      }
      if (value === undefined) {
        throw new ValidationError(
          `${what}: value placeholder "${key}" is undefined. Give it a value or remove it.`,
        );
      }
      if (key in this.values && !sameValue(this.values[key], value)) {
        throw new ValidationError(
          `${what}: value placeholder "${key}" is defined twice with different values.`,
        );
      }
      this.values[key] = value;
    }
    for (const token of expression.match(PLACEHOLDER) ?? []) {
      if (token.startsWith('#') && !(token in this.names)) {
        throw new ValidationError(
          `${what} uses the name placeholder "${token}" but no name was given for it. Add it to names.`,
        );
      }
      if (token.startsWith(':') && !(token in this.values)) {
        throw new ValidationError(
          `${what} uses the value placeholder "${token}" but no value was given for it. Add it to values.`,
        );
      }
    }
    return expression;
  }

  /** A fresh placeholder for an attribute name. */
  name(attribute: string): string {
    const existing = Object.entries(this.names).find(
      ([key, value]) => value === attribute && key.startsWith('#dg'),
    );
    if (existing) return existing[0];
    const key = this.fresh('#dg', this.names);
    this.names[key] = attribute;
    return key;
  }

  /** A fresh placeholder for a value. */
  value(value: unknown): string {
    const key = this.fresh(':dg', this.values);
    this.values[key] = value;
    return key;
  }

  /**
   * The placeholder maps, checking that every caller placeholder is used by one of `expressions`
   * (DynamoDB rejects unused ones with a less helpful message).
   */
  build(...expressions: (string | undefined)[]): {
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues?: Record<string, unknown>;
  } {
    const used = new Set(expressions.flatMap((expression) => expression?.match(PLACEHOLDER) ?? []));
    for (const key of [...Object.keys(this.names), ...Object.keys(this.values)]) {
      if (!used.has(key)) {
        throw new ValidationError(
          `The placeholder "${key}" is defined but not used in any expression. Remove it.`,
        );
      }
    }
    return {
      ...(Object.keys(this.names).length > 0 ? { ExpressionAttributeNames: this.names } : {}),
      ...(Object.keys(this.values).length > 0 ? { ExpressionAttributeValues: this.values } : {}),
    };
  }

  private fresh(prefix: string, taken: Record<string, unknown>): string {
    let key: string;
    do key = `${prefix}${this.counter++}`;
    while (key in taken);
    return key;
  }
}

/** `a AND b`, each side parenthesised, skipping missing sides. */
export function and(...expressions: (string | undefined)[]): string | undefined {
  const present = expressions.filter((expression): expression is string => expression !== undefined);
  if (present.length <= 1) return present[0];
  return present.map((expression) => `(${expression})`).join(' AND ');
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}
