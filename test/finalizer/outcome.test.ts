import { expect } from 'chai';
import { asState, factValue, outcomeOf, parseExecution } from '../../src/finalizer/outcome';
import { APPLY_OK, executionResponse, finalizeInput, GATE, PLAN_REMEDIATE, VERIFY_OK } from './fixtures';

const facts = finalizeInput().facts;

describe('outcome from the execution record', () => {
  it('reads a fact from the step outputs, SSM string lists unwrapped', () => {
    const r = parseExecution(executionResponse([PLAN_REMEDIATE]));
    expect(factValue(r, 'Plan.Decision')).to.equal('remediate');
    expect(factValue(r, 'Apply.Changed')).to.equal(undefined);
  });

  it('falls back to the document outputs for a fact', () => {
    const raw = executionResponse([]);
    (raw.AutomationExecution as Record<string, unknown>).Outputs = { 'Verify.Verified': ['False'] };
    expect(outcomeOf(parseExecution(raw), { dryRun: false, facts }).status).to.equal('NOT_VERIFIED');
    const ok = executionResponse([PLAN_REMEDIATE]);
    (ok.AutomationExecution as Record<string, unknown>).Outputs = { 'Verify.Verified': ['True'] };
    expect(outcomeOf(parseExecution(ok), { dryRun: false, facts }).status).to.equal('SUCCEEDED');
  });

  it('decodes a StringMap state given parsed or JSON-encoded, and keeps other text as is', () => {
    expect(asState('{"a":1}')).to.deep.equal({ a: 1 });
    expect(asState({ a: 1 })).to.deep.equal({ a: 1 });
    expect(asState('{not json')).to.equal('{not json');
    expect(asState(undefined)).to.equal(null);
  });

  it('names the first failed step, and a timed-out step as such', () => {
    const r = parseExecution(
      executionResponse([
        PLAN_REMEDIATE,
        GATE,
        { name: 'Apply', status: 'TimedOut', failure: 'Step timed out' },
        { name: 'Finalize', status: 'InProgress' },
      ]),
    );
    const o = outcomeOf(r, { dryRun: false, facts });
    expect(o.status).to.equal('FAILED');
    expect(o.failure).to.deep.equal({ step: 'Apply', message: 'TimedOut: Step timed out' });
  });

  it('reports a failure before a dry run (a dry run whose plan failed is FAILED)', () => {
    const r = parseExecution(executionResponse([{ name: 'Plan', status: 'Failed', failure: 'boom' }]));
    expect(outcomeOf(r, { dryRun: true, facts }).status).to.equal('FAILED');
  });

  it('is NOT_VERIFIED when verify never ran and nothing failed', () => {
    const o = outcomeOf(parseExecution(executionResponse([PLAN_REMEDIATE, GATE, APPLY_OK], 'Cancelling')), { dryRun: false, facts });
    expect(o.status).to.equal('NOT_VERIFIED');
    expect(o.reason).to.contain('verify did not run');
  });

  it('is SUCCEEDED only with verify true', () => {
    const o = outcomeOf(parseExecution(executionResponse([PLAN_REMEDIATE, GATE, APPLY_OK, VERIFY_OK])), { dryRun: false, facts });
    expect(o).to.include({ status: 'SUCCEEDED', verified: true });
  });
});
