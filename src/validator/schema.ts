import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import automationSchema from '../../schemas/ssm-automation.schema.json';
import { jsonPath, type PathSegments, type ValidationProblem } from './problems';

/**
 * The structural check: our JSON Schema for Automation documents, run through ajv in strict mode.
 * The schema is compiled once per process and reused.
 */

/** Annotation in the schema: the error text for the keywords of the schema object carrying it. */
const MESSAGE_KEYWORD = 'x-message';

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv2020({
      strict: true,
      allowUnionTypes: true,
      allErrors: true,
      verbose: true,
      // Smaller generated code compiles faster; validating a runbook is cheap either way.
      inlineRefs: false,
      code: { optimize: false },
    });
    ajv.addKeyword({ keyword: MESSAGE_KEYWORD, schemaType: 'string' });
    compiled = ajv.compile(automationSchema);
  }
  return compiled;
}

/** Problems the schema finds, one per real mistake (ajv's bookkeeping errors folded away). */
export function schemaProblems(doc: unknown): ValidationProblem[] {
  const validate = validator();
  if (validate(doc)) return [];
  const errors = foldErrors(validate.errors ?? []);
  const seen = new Set<string>();
  const out: ValidationProblem[] = [];
  for (const e of errors) {
    const p = toProblem(e, doc);
    const key = `${p.path}\u0000${p.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(p);
    }
  }
  return out;
}

function customMessage(e: ErrorObject): string | undefined {
  const parent = e.parentSchema as Record<string, unknown> | undefined;
  const m = parent?.[MESSAGE_KEYWORD];
  return typeof m === 'string' ? m : undefined;
}

/**
 * Drops the errors that only explain other errors: `if` ("must match then"), the per-branch errors
 * under a oneOf/anyOf that carries its own message, and the inner error of `propertyNames` (whose
 * message is carried over to the propertyNames error, which knows the offending key).
 */
function foldErrors(errors: ErrorObject[]): ErrorObject[] {
  const summarised = errors.filter((e) => (e.keyword === 'oneOf' || e.keyword === 'anyOf') && customMessage(e) !== undefined);
  const explainedBy = (e: ErrorObject) =>
    summarised.some((s) => s !== e && s.instancePath === e.instancePath && e.schemaPath.startsWith(`${s.schemaPath}/`));
  const nameErrors = errors.filter((e) => e.keyword === 'propertyNames');
  const isInnerNameError = (e: ErrorObject) =>
    nameErrors.some((n) => n !== e && n.instancePath === e.instancePath && e.data === (n.params as { propertyName: string }).propertyName);
  const kept: ErrorObject[] = [];
  for (const e of errors) {
    if (e.keyword === 'if' || explainedBy(e) || isInnerNameError(e)) continue;
    if (e.keyword === 'propertyNames') {
      const inner = errors.find(
        (i) => i !== e && i.instancePath === e.instancePath && i.data === (e.params as { propertyName: string }).propertyName,
      );
      kept.push({ ...e, message: (inner && customMessage(inner)) ?? inner?.message ?? e.message });
    } else kept.push(e);
  }
  return kept;
}

/** ajv's JSON pointer → path segments, with array indexes as numbers (so they render as `[2]`). */
function pointerSegments(pointer: string, doc: unknown): Array<string | number> {
  if (pointer === '') return [];
  const segments: Array<string | number> = [];
  let node: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      segments.push(Number(key));
      node = node[Number(key)];
    } else {
      segments.push(key);
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
    }
  }
  return segments;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean',
  object: 'a mapping',
  array: 'a list',
  null: 'null',
};

function typeWords(type: unknown): string {
  const types = Array.isArray(type) ? type : String(type).split(',');
  const words = types.map((t: string) => TYPE_WORDS[t] ?? t);
  return words.length > 1 ? `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}` : words[0];
}

function toProblem(e: ErrorObject, doc: unknown): ValidationProblem {
  const at = pointerSegments(e.instancePath, doc);
  const custom = customMessage(e);
  const params = e.params as Record<string, unknown>;
  const here = (message: string, extra: PathSegments = []): ValidationProblem => ({ path: jsonPath([...at, ...extra]), message });
  switch (e.keyword) {
    case 'propertyNames':
      return here(`invalid name: ${e.message}`, [String(params.propertyName)]);
    case 'additionalProperties': {
      const allowed = Object.keys(((e.parentSchema as Record<string, unknown>)?.properties as object) ?? {});
      const hint = allowed.length ? `allowed here: ${allowed.join(', ')}` : 'no keys are allowed here';
      return here(`unknown key (${hint})`, [String(params.additionalProperty)]);
    }
    case 'required':
      return custom ? here(custom) : here('is required but missing', [String(params.missingProperty)]);
    case 'dependentRequired':
      return here(`"${params.property}" needs "${params.missingProperty}" next to it`);
    case 'enum': {
      if (at[at.length - 1] === 'action' && at.length >= 2) {
        return here(`unsupported action "${String(e.data)}" (supported: ${(params.allowedValues as string[]).join(', ')})`);
      }
      return here(custom ?? `must be one of: ${(params.allowedValues as unknown[]).map(String).join(', ')}`);
    }
    case 'type':
      return here(custom ?? `must be ${typeWords(params.type)}`);
    case 'const':
      return here(custom ?? `must be ${JSON.stringify(params.allowedValue)}`);
    case 'pattern':
      return here(custom ?? `must match ${String(params.pattern)}`);
    case 'minimum':
      return here(custom ?? `must be at least ${params.limit}`);
    case 'maximum':
      return here(custom ?? `must be at most ${params.limit}`);
    case 'minItems':
      return here(custom ?? `must have at least ${params.limit} item(s)`);
    case 'maxItems':
      return here(custom ?? `must have at most ${params.limit} item(s)`);
    case 'minLength':
      return here(custom ?? (params.limit === 1 ? 'must not be empty' : `must be at least ${params.limit} characters`));
    case 'maxLength':
      return here(custom ?? `must be at most ${params.limit} characters`);
    case 'not':
      return here(custom ?? 'is not allowed here');
    default:
      return here(custom ?? e.message ?? `fails ${e.keyword}`);
  }
}
