import standaloneCode from 'ajv/dist/standalone';
import { schemaAjv, VALIDATOR_REFS } from '../findings/validators';

/**
 * The orchestrator's validators as ajv standalone code: a CommonJS module exporting `validators()`
 * like src/findings/validators.ts, with every schema compiled now (at build time) instead of at
 * the Lambda's cold start. Its only imports are ajv's small runtime helpers and the format checks.
 */
export function standaloneValidators(): string {
  const code = standaloneCode(schemaAjv(true), { ...VALIDATOR_REFS });
  const names = Object.keys(VALIDATOR_REFS);
  return `${code}\nexports.validators = () => ({ ${names.map((n) => `${n}: exports.${n}`).join(', ')} });\n`;
}
