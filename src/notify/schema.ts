import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import notificationSchema from '../../schemas/notification.schema.json';

/**
 * Checks a message against schemas/notification.schema.json (strict ajv). Used by tests and the
 * simulation; the step runner does not bundle ajv, the finalizer builds valid messages by
 * construction.
 */

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
    addFormats(ajv);
    compiled = ajv.compile(notificationSchema);
  }
  return compiled;
}

/** The schema's complaints about a message, one line each; empty when it is valid. */
export function notificationProblems(message: unknown): string[] {
  const validate = validator();
  if (validate(message)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
}
