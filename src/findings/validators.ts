import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import configSchema from '../../schemas/config.schema.json';
import eventSchema from '../../schemas/securityhub-event.schema.json';
import ocsfEventSchema from '../../schemas/securityhub-ocsf-event.schema.json';

/**
 * The orchestrator's JSON Schema validators (strict ajv): the Security Hub event envelope, one
 * finding, and hubfix.config.yaml. Here they are compiled once per process; in the Lambda bundles
 * this module is replaced by the same validators compiled at build time (ajv standalone code, see
 * src/compiler/validators.ts), so a cold start compiles no schema.
 */
export interface Validators {
  event: ValidateFunction;
  finding: ValidateFunction;
  config: ValidateFunction;
  /** A `Findings Imported V2` event with its OCSF findings. */
  ocsfEvent: ValidateFunction;
}

/** What each validator checks: a schema id, or a reference into one. */
export const VALIDATOR_REFS: Readonly<Record<keyof Validators, string>> = {
  event: eventSchema.$id,
  finding: `${eventSchema.$id}#/$defs/finding`,
  config: configSchema.$id,
  ocsfEvent: ocsfEventSchema.$id,
};

/** The ajv instance holding the schemas; `source` keeps the generated code (for standalone output). */
export function schemaAjv(source = false): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: false, ...(source ? { code: { source: true } } : {}) });
  addFormats(ajv, ['date', 'date-time']);
  ajv.addSchema(eventSchema);
  ajv.addSchema(configSchema);
  ajv.addSchema(ocsfEventSchema);
  return ajv;
}

let compiled: Validators | undefined;

export function validators(): Validators {
  if (!compiled) {
    const ajv = schemaAjv();
    const get = (ref: string): ValidateFunction => {
      const v = ajv.getSchema(ref);
      if (!v) throw new Error(`no schema ${ref}`);
      return v;
    };
    compiled = {
      event: get(VALIDATOR_REFS.event),
      finding: get(VALIDATOR_REFS.finding),
      config: get(VALIDATOR_REFS.config),
      ocsfEvent: get(VALIDATOR_REFS.ocsfEvent),
    };
  }
  return compiled;
}
