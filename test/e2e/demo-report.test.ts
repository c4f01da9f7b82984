import { expect } from 'chai';
import type { FindingOutcome } from '../../src/findings';
import { linkCoveredFindings, type PassResult } from '../../src/emulator/pipeline';
import { type DemoResult, formatReport } from '../../scripts/demo';

function pass(reports: PassResult['reports'], extra: Partial<PassResult> = {}): PassResult {
  return {
    events: [],
    outcomes: [],
    automations: [],
    followUpEvents: 0,
    followUpDelivered: 0,
    followUpStarts: 0,
    reports,
    wallMs: 0,
    orchestratorCalls: new Map(),
    queue: { batches: 0, redelivered: 0, deadLettered: [] },
    ...extra,
  };
}

const fixed = {
  findingId: 'arn:aws:securityhub:us-east-1:222222222222:subscription/cis-aws-foundations-benchmark/v/1.2.0/1.9/finding/x',
  format: 'cis-1.2.0' as const,
  control: 'IAM.15',
  alias: 'cis-1.2.0 1.9',
  account: '222222222222',
  region: 'us-east-1',
  resource: 'account password policy of 222222222222',
  decision: 'start',
  reason: 'MODE_AUTO',
  detail: 'start Hubfix-IAM-PasswordPolicy',
  executionId: 'e-1',
  status: 'SUCCEEDED',
  changed: 'MinimumPasswordLength 8 → 14',
  verified: true,
  workflow: 'RESOLVED',
  note: '2026-11-28T10:57Z SUCCEEDED exec e-1: verified || 2026-11-28T10:57Z STARTED exec e-1',
  eventToVerifiedMs: 2100,
};

function demo(reports: PassResult['reports'], unseeded: string[] = []): DemoResult {
  return {
    wallMs: 30000,
    seedMs: 4000,
    pipelineMs: 25000,
    first: pass(reports),
    second: pass([]),
    findings: reports.length,
    resources: 1,
    unseeded,
  };
}

describe('demo report', () => {
  it('gives, per finding, the control and its CIS alias, account, Region, resource, decision, what changed, verified, and the newest note entry', () => {
    const text = formatReport(demo([fixed]));
    expect(text).to.include('━━ account 222222222222 · us-east-1');
    expect(text).to.include('✔ IAM.15 [cis-1.2.0 1.9]  account password policy of 222222222222');
    expect(text).to.include('decision  start (MODE_AUTO) · execution e-1');
    expect(text).to.include('changed   MinimumPasswordLength 8 → 14');
    expect(text).to.include('verified  yes in 2.1 s from the event · SUCCEEDED · finding RESOLVED');
    expect(text).to.include('note      2026-11-28T10:57Z SUCCEEDED exec e-1: verified\n');
    expect(text).to.include('Summary: 1 of 1 findings fixed and verified');
  });

  it('marks a finding that was not verified and says why', () => {
    const text = formatReport(demo([{ ...fixed, verified: false, status: 'FAILED', workflow: 'NOTIFIED', summary: 'step Revoke failed' }]));
    expect(text).to.include('✘ IAM.15');
    expect(text).to.include('verified  NO in 2.1 s from the event · FAILED · finding NOTIFIED · step Revoke failed');
    expect(text).to.include('Summary: 0 of 1 findings fixed and verified');
  });

  const { executionId: _none, ...withoutRun } = fixed;
  const sibling = {
    ...withoutRun,
    findingId: 'arn:aws:securityhub:us-east-1:222222222222:subscription/cis-aws-foundations-benchmark/v/1.2.0/1.5/finding/y',
    control: 'IAM.11',
    alias: 'cis-1.2.0 1.5',
    decision: 'notify',
    reason: 'DUPLICATE',
    detail: 'IAM.11 is account-level and a run of Hubfix-IAM-PasswordPolicy is already in flight',
    status: 'NOTIFY_ONLY',
    verified: false,
    workflow: 'NOTIFIED',
  };

  function outcome(reason: string, outcome: FindingOutcome['outcome']): FindingOutcome {
    const target = { document: 'Hubfix-IAM-PasswordPolicy', account: '222222222222', region: 'us-east-1', scope: 'account' };
    return { decision: { reason, target }, outcome } as unknown as FindingOutcome;
  }

  it("counts an account-level finding as fixed only through its account's run, and only when that run verified", () => {
    const reports: PassResult['reports'] = [{ ...fixed }, { ...sibling }];
    linkCoveredFindings([outcome('MODE_AUTO', 'started'), outcome('DUPLICATE', 'notified')], reports);
    expect(reports[1].coveredBy).to.deep.equal({ executionId: 'e-1', verified: true });
    const text = formatReport(demo(reports));
    expect(text).to.include('⤷ IAM.11 [cis-1.2.0 1.5]');
    expect(text).to.include("covered   by execution e-1, its account's run (verified: yes)");
    expect(text).to.include(
      "Summary: 2 of 2 findings fixed and verified, 0 automations in the member accounts (1 account-level findings by their account's one run in flight);",
    );

    const failedRun: PassResult['reports'] = [{ ...fixed, verified: false, status: 'FAILED' }, { ...sibling }];
    linkCoveredFindings([outcome('MODE_AUTO', 'started'), outcome('DUPLICATE', 'notified')], failedRun);
    const failedText = formatReport(demo(failedRun));
    expect(failedText).to.include('✘ IAM.11');
    expect(failedText).to.include('Summary: 0 of 2 findings fixed and verified');
  });

  it('names the runbooks it could not demonstrate', () => {
    expect(formatReport(demo([fixed], ['Hubfix-New-Runbook']))).to.include(
      'NOT DEMONSTRATED (no seeder for them yet in src/emulator/seeders.ts): Hubfix-New-Runbook',
    );
  });
});
