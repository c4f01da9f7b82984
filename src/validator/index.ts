/**
 * The validator of SSM Automation documents (schemaVersion 0.3): our JSON Schema through ajv, then
 * semantic rules (names, jumps, reachability, references, outputs, limits, parameter constraints).
 */
export { DocumentReadError, parseDocument, type ReadErrorCode, readDocumentFile, validateFile } from './file';
export { jsonPath, type ValidationProblem } from './problems';
export { RULES, type Rule } from './rules';
export { type ValidateOptions, validateCompiled, validateDocument } from './validate';
