import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import { validators } from './validators';

/**
 * Checks against the orchestrator's JSON Schemas (src/findings/validators.ts: compiled once per
 * process, or precompiled at build time in a Lambda bundle). Each check returns the first problem
 * as one line (`Resources: must NOT have fewer than 1 items`), or undefined when the value is valid.
 */

/** `/Resources/0/Id` → `Resources[0].Id`. */
function dotted(pointer: string): string {
  if (!pointer) return '';
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

export function describeError(e: ErrorObject): string {
  const at = dotted(e.instancePath);
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'required') return `${at ? `${at}.` : ''}${String(params.missingProperty)}: is missing`;
  if (e.keyword === 'additionalProperties') return `${at ? `${at}.` : ''}${String(params.additionalProperty)}: is not a known key`;
  if (e.keyword === 'enum') return `${at || 'value'}: must be one of ${(params.allowedValues as unknown[]).map(String).join(', ')}`;
  if (e.keyword === 'const') return `${at || 'value'}: must be ${JSON.stringify(params.allowedValue)}`;
  return `${at || 'value'}: ${e.message ?? 'is invalid'}`;
}

function check(validate: ValidateFunction, value: unknown): string | undefined {
  if (validate(value)) return undefined;
  const first = validate.errors?.[0];
  return first ? describeError(first) : 'is invalid';
}

/** The envelope of an EventBridge event from Security Hub (findings are checked one by one). */
export function eventProblem(value: unknown): string | undefined {
  return check(validators().event, value);
}

/** One ASFF finding. */
export function findingProblem(value: unknown): string | undefined {
  return check(validators().finding, value);
}

/** A `Findings Imported V2` event with its OCSF findings (schemas/securityhub-ocsf-event.schema.json). */
export function ocsfEventProblem(value: unknown): string | undefined {
  return check(validators().ocsfEvent, value);
}

/** A parsed hubfix.config.yaml. */
export function configProblem(value: unknown): string | undefined {
  return check(validators().config, value);
}
