import { expect } from 'chai';
import type { PassResult } from '../../src/emulator/pipeline';
import { type DemoResult, formatReport } from '../../scripts/demo';

function pass(reports: PassResult['reports'], extra: Partial<PassResult> = {}): PassResult {
  return {
    events: [],
    outcomes: [],
    automations: [],
    followUpEvents: 0,
    followUpStarts: 0,
    reports,
    wallMs: 0,
    orchestratorCalls: new Map(),
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

  it('names the runbooks it could not demonstrate', () => {
    expect(formatReport(demo([fixed], ['Hubfix-New-Runbook']))).to.include(
      'NOT DEMONSTRATED (no seeder for them yet in src/emulator/seeders.ts): Hubfix-New-Runbook',
    );
  });
});
