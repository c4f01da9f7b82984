import Ajv2020, { _, type CodeKeywordDefinition, type KeywordCxt, type ValidateFunction } from 'ajv/dist/2020';
import { useFunc } from 'ajv/dist/compile/util';
import ucs2length from 'ajv/dist/runtime/ucs2length';
import limitLength from 'ajv/dist/vocabularies/validation/limitLength';
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

/**
 * maxLength/minLength as ajv checks them (a length in code points, the same error), without
 * counting code points when the UTF-16 length already decides: a string has at most `length` and
 * at least `length / 2` code points. Counting every string of every finding was a sixth of decide().
 */
function lengthKeyword(keyword: 'maxLength' | 'minLength'): CodeKeywordDefinition {
  return {
    ...(limitLength as CodeKeywordDefinition),
    keyword,
    code(cxt: KeywordCxt) {
      const { data, schemaCode } = cxt;
      const count = useFunc(cxt.gen, ucs2length);
      cxt.fail$data(
        keyword === 'maxLength'
          ? _`${data}.length > ${schemaCode} && ${count}(${data}) > ${schemaCode}`
          : _`${data}.length < ${schemaCode} || (${data}.length < 2 * ${schemaCode} && ${count}(${data}) < ${schemaCode})`,
      );
    },
  };
}

/** The ajv instance holding the schemas; `source` keeps the generated code (for standalone output). */
export function schemaAjv(source = false): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: false, ...(source ? { code: { source: true } } : {}) });
  for (const keyword of ['maxLength', 'minLength'] as const) ajv.removeKeyword(keyword).addKeyword(lengthKeyword(keyword));
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
