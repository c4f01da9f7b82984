import { expect } from 'chai';
import { type ValidateOptions, type ValidationProblem, validateDocument } from '../../src/validator';

/** A step or document as plain data: tests build documents the way a third party writes them. */
export type Json = Record<string, unknown>;

export const ROLE_PARAMETER: Json = {
  type: 'String',
  description: 'The role Automation assumes.',
  allowedPattern: '^arn:aws(-cn|-us-gov)?:iam::\\d{12}:role/[\\w+=,.@/-]+$',
};

export function step(name: string, action: string, inputs: Json = {}, more: Json = {}): Json {
  return { name, action, inputs, ...more };
}

export function apiStep(name: string, inputs: Json = {}, more: Json = {}): Json {
  return step(name, 'aws:executeAwsApi', { Service: 'ec2', Api: 'DescribeInstances', ...inputs }, more);
}

export function sleepStep(name: string, more: Json = {}): Json {
  return step(name, 'aws:sleep', { Duration: 'PT1S' }, more);
}

/** A minimal valid document around the given steps (plus any other top-level parts). */
export function automation(steps: Json[], parts: Json = {}): Json {
  const { parameters, ...rest } = parts;
  return {
    schemaVersion: '0.3',
    description: 'Test document',
    assumeRole: '{{ AutomationAssumeRole }}',
    parameters: { AutomationAssumeRole: ROLE_PARAMETER, ...(parameters as Json | undefined) },
    mainSteps: steps,
    ...rest,
  };
}

export function problemsOf(doc: unknown, opts?: ValidateOptions): ValidationProblem[] {
  return validateDocument(doc, opts);
}

export function expectValid(doc: unknown, opts?: ValidateOptions): void {
  expect(problemsOf(doc, opts)).to.deep.equal([]);
}

/** The document has exactly this one problem. */
export function expectProblem(doc: unknown, path: string, message: string, opts?: ValidateOptions): void {
  expect(problemsOf(doc, opts)).to.deep.equal([{ path, message }]);
}
