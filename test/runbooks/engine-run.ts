import * as path from 'node:path';
import { expect } from 'chai';
import { MockInvoker, loadMockTable } from '../../src/aws/mock-invoker';
import { type CompiledRunbook, compileRunbook } from '../../src/compiler/compile';
import { VirtualClock } from '../../src/engine/clock';
import { type AutomationResult, runAutomation } from '../../src/engine/engine';
import type { CallRecord } from '../../src/engine/record';
import { iamActionFor, policyActions } from '../../src/iam/actions';
import type { Runbook } from '../../src/model/runbook';

/**
 * Runs a shipped runbook's compiled document in the local engine against a mock table from
 * test/fixtures/mocks, with the runbook's compiled policy (so every call is policy-checked), a
 * virtual clock at NOW and an operator-style run (no finding, no topic) unless params say otherwise.
 */

export const ACCOUNT = '111122223333';
export const ROLE = `arn:aws:iam::${ACCOUNT}:role/HubfixRunbook`;
export const NOW = Date.UTC(2024, 5, 1);

/** Operations that change something; a dry run or an already compliant resource makes none. */
export const MUTATING =
  /^(Update|Delete|Put|Create|Revoke|Authorize|Enable|Disable|Attach|Detach|Modify|Start|Stop|Schedule|Cancel|Tag|Untag|Import|Replicate|BatchUpdate|Publish)/;

export interface RunbookRun {
  result: AutomationResult;
  compiled: CompiledRunbook;
  invoker: MockInvoker;
}

const compiledCache = new Map<Runbook, CompiledRunbook>();

export async function runRunbook(runbook: Runbook, mockTable: string, params: Record<string, unknown>): Promise<RunbookRun> {
  let compiled = compiledCache.get(runbook);
  if (!compiled) {
    compiled = compileRunbook(runbook);
    compiledCache.set(runbook, compiled);
  }
  const invoker = new MockInvoker(loadMockTable(path.join(__dirname, '..', 'fixtures', 'mocks', mockTable)));
  const result = await runAutomation(
    { name: compiled.name, document: compiled.document, policy: compiled.policy, handlers: compiled.handlers },
    { AutomationAssumeRole: ROLE, ...params },
    { invoker, clock: new VirtualClock(NOW), region: 'us-east-1' },
  );
  return { result, compiled, invoker };
}

/** A step output as SSM reports it (first value of the string list), or undefined. */
export function output(run: RunbookRun, step: string, name: string): string | undefined {
  const s = run.result.record.StepExecutions.find((e) => e.StepName === step);
  return s?.Outputs?.[name]?.[0];
}

/** A StringMap step output, parsed. */
export function mapOutput(run: RunbookRun, step: string, name: string): Record<string, unknown> {
  const text = output(run, step, name);
  expect(text, `${step}.${name}`).to.be.a('string');
  return JSON.parse(String(text)) as Record<string, unknown>;
}

export function stepsRun(run: RunbookRun): string[] {
  return run.result.record.StepExecutions.map((s) => s.StepName);
}

/** Calls that reached AWS (the mock table) from the runbook's steps (not the step runner's own). */
export function awsCalls(run: RunbookRun): CallRecord[] {
  return run.result.record.Calls.filter((c) => c.answeredBy === undefined && c.step !== undefined && c.madeBy === undefined);
}

export function callsTo(run: RunbookRun, operation: string): CallRecord[] {
  return awsCalls(run).filter((c) => c.operation === operation);
}

export function mutatingCalls(run: RunbookRun): CallRecord[] {
  return awsCalls(run).filter((c) => MUTATING.test(c.operation));
}

/** Every call was allowed by the compiled policy, and its action is in that policy. */
export function expectPolicyClean(run: RunbookRun): void {
  const allowed = policyActions(run.compiled.policy);
  for (const c of run.result.record.Calls) {
    expect(c.errorCode, `${c.service}:${c.operation} in ${c.step ?? 'automation'}`).not.to.equal('AccessDenied');
    if (c.service === 'sts' && c.operation === 'AssumeRole' && c.step === undefined) continue; // the automation assuming its own role
    if (c.madeBy === 'step-runner') {
      // the step runner's own calls, with its own role (src/iam/principals.ts): the execution check and the role assumption
      expect(['ssm:GetAutomationExecution', 'sts:AssumeRole'], `step runner ${c.service} ${c.operation}`).to.include(
        iamActionFor(c.service, c.operation),
      );
      continue;
    }
    expect([...allowed], `${c.service} ${c.operation}`).to.include(iamActionFor(c.service, c.operation));
  }
}

/** The document's outcome as the finalizer reported it. */
export function finalStatus(run: RunbookRun): { status: string; verified: unknown; summary: string } {
  return {
    status: String(run.result.outputs['Finalize.Status']),
    verified: run.result.outputs['Finalize.Verified'],
    summary: String(run.result.outputs['Finalize.Summary']),
  };
}
