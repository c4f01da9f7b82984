import type { OutputType } from './document';

/**
 * A typed reference to a value known only at run time: a parameter, a step output, a variable or
 * a `global:` / `automation:` name. It renders as `{{ expression }}`. The phantom type `T` lets the
 * compiler reject a reference of the wrong type where a step input expects another.
 */
export class Ref<T> {
  declare readonly __valueType?: T;
  constructor(readonly expression: string) {}
  toString(): string {
    return `{{ ${this.expression} }}`;
  }
}

/** A literal value or a reference to one of the same type. */
export type Value<T> = T | Ref<T>;

/** An input object whose fields may each be a literal or a reference of the right type. */
export type Inputs<T> = { [K in keyof T]: Value<T[K]> };

/** The TypeScript type of an SSM value type. */
export type TypeOf<K extends OutputType> = K extends 'String'
  ? string
  : K extends 'Integer'
    ? number
    : K extends 'Boolean'
      ? boolean
      : K extends 'StringList'
        ? string[]
        : K extends 'StringMap'
          ? Record<string, unknown>
          : Record<string, unknown>[];

/** Built-in names SSM resolves in every automation. */
export const globals = {
  accountId: new Ref<string>('global:ACCOUNT_ID'),
  region: new Ref<string>('global:REGION'),
  partition: new Ref<string>('global:AWS_PARTITION'),
  date: new Ref<string>('global:DATE'),
  dateTime: new Ref<string>('global:DATE_TIME'),
  executionId: new Ref<string>('automation:EXECUTION_ID'),
};

/** A string with references inside it: tpl`arn:${globals.partition}:iam::${globals.accountId}:root`. */
export function tpl(strings: TemplateStringsArray, ...refs: Array<Ref<unknown> | string | number>): string {
  let out = strings[0];
  refs.forEach((ref, i) => {
    out += String(ref) + strings[i + 1];
  });
  return out;
}

/** Replace every Ref inside a value by its `{{ }}` form, for the YAML. */
export function renderRefs(value: unknown): unknown {
  if (value instanceof Ref) return value.toString();
  if (Array.isArray(value)) return value.map(renderRefs);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) out[k] = renderRefs(v);
    }
    return out;
  }
  return value;
}
