/**
 * The shape of an SSM Automation document (schemaVersion 0.3) as it is written to YAML.
 * These are the wire types: the compiler produces them, the validator checks them and the
 * local engine executes them. Runbook authors use the typed builders in ./runbook instead.
 */

export type ParameterType = 'String' | 'StringList' | 'Integer' | 'Boolean' | 'StringMap' | 'MapList';
export const PARAMETER_TYPES: readonly ParameterType[] = ['String', 'StringList', 'Integer', 'Boolean', 'StringMap', 'MapList'];

export type OutputType = ParameterType;

export interface DocumentParameter {
  type: ParameterType;
  description?: string;
  default?: unknown;
  allowedValues?: string[];
  allowedPattern?: string;
  minItems?: number;
  maxItems?: number;
  minChars?: number;
  maxChars?: number;
  displayType?: 'textarea' | 'textfield';
}

export interface StepOutput {
  Name: string;
  Selector: string;
  Type: OutputType;
}

export interface DocumentStep {
  name: string;
  action: string;
  description?: string;
  inputs?: Record<string, unknown>;
  outputs?: StepOutput[];
  maxAttempts?: number;
  timeoutSeconds?: number;
  onFailure?: string;
  onCancel?: string;
  isEnd?: boolean;
  nextStep?: string;
  isCritical?: boolean;
}

export interface DocumentVariable {
  type: ParameterType;
  default?: unknown;
  description?: string;
}

export interface AutomationDocument {
  schemaVersion: '0.3';
  description?: string;
  assumeRole?: string;
  parameters?: Record<string, DocumentParameter>;
  variables?: Record<string, DocumentVariable>;
  mainSteps: DocumentStep[];
  outputs?: string[];
  files?: Record<string, unknown>;
}

/** SSM document names: 3–128 of [a-zA-Z0-9_.-], not starting with aws, amazon or amzn. */
export const DOCUMENT_NAME_PATTERN = /^[a-zA-Z0-9_\-.]{3,128}$/;
export const RESERVED_DOCUMENT_PREFIX = /^(aws|amazon|amzn)/i;
export const STEP_NAME_PATTERN = /^[a-zA-Z0-9_]+$/;
/** SSM's documented maximum size of a document. */
export const MAX_DOCUMENT_BYTES = 64 * 1024;
