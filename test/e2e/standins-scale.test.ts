import { expect } from 'chai';
import type { AwsCall, AwsOutput, Invoker } from '../../src/aws/invoker';
import { AutomationStandIn, MAX_CONCURRENT, MAX_QUEUED } from '../../src/emulator/automation-standin';
import { SecurityHubStandIn } from '../../src/emulator/securityhub-standin';

/** The stand-ins over fakes of moto: what they do at scale, without an emulator. */

const DOC = `schemaVersion: '0.3'
mainSteps:
  - name: Touch
    action: aws:executeAwsApi
    inputs:
      Service: sts
      Api: GetCallerIdentity
`;

/** A moto stand-in for GetDocument, and steps that wait until released (to hold automations running). */
function automationWorld() {
  let running = 0;
  let peak = 0;
  const waiting: Array<() => void> = [];
  const sdk: Invoker = {
    async call(c: AwsCall): Promise<AwsOutput> {
      if (c.operation === 'GetDocument') return { DocumentType: 'Automation', DocumentFormat: 'YAML', Content: DOC };
      throw new Error(`unexpected ${c.operation}`);
    },
  };
  const steps: Invoker = {
    async call(): Promise<AwsOutput> {
      running++;
      peak = Math.max(peak, running);
      await new Promise<void>((resolve) => waiting.push(resolve));
      running--;
      return { Account: '111111111111' };
    },
  };
  const standIn = new AutomationStandIn({
    sdk,
    stepInvoker: () => steps,
    identify: async (c) => ({ account: c.credentials?.accessKeyId ?? '111111111111', arn: 'arn:aws:sts::111111111111:assumed-role/x/y' }),
    handlers: new Map(),
  });
  const start = (token: string, account = '111111111111') =>
    standIn.start({
      service: 'ssm',
      operation: 'StartAutomationExecution',
      region: 'us-east-1',
      credentials: { accessKeyId: account, secretAccessKey: 'x' },
      input: { DocumentName: 'Doc', ClientToken: token },
    });
  const settle = () => new Promise((r) => setTimeout(r, 20));
  return {
    standIn,
    start,
    settle,
    peak: () => peak,
    running: () => running,
    releaseAll: () => {
      for (const w of waiting.splice(0)) w();
    },
  };
}

describe('automation stand-in at scale (as SSM: 100 at once per account and Region, the rest queued)', () => {
  it('runs at most 100 automations of one account and Region at once, Pending the rest, and runs them all in the end', async () => {
    const w = automationWorld();
    const ids: string[] = [];
    for (let i = 0; i < 250; i++) ids.push(String((await w.start(`token-${i}`)).AutomationExecutionId));
    w.standIn.kick();
    await w.settle();
    expect(w.running()).to.equal(MAX_CONCURRENT);
    const last = await w.standIn.get({
      service: 'ssm',
      operation: 'GetAutomationExecution',
      region: 'us-east-1',
      input: { AutomationExecutionId: ids[249] },
    });
    expect((last.AutomationExecution as Record<string, unknown>).AutomationExecutionStatus).to.equal('Pending');
    const drained = w.standIn.drain();
    // release the running ones until every automation has run
    for (let round = 0; round < 10 && w.standIn.started.some((s) => !s.endedAt); round++) {
      w.releaseAll();
      await w.settle();
    }
    await drained;
    expect(w.peak()).to.equal(MAX_CONCURRENT);
    expect(w.standIn.peakConcurrent).to.equal(MAX_CONCURRENT);
    expect(w.standIn.started.filter((s) => s.result?.status === 'Success')).to.have.length(250);
  });

  it('counts each account separately: two accounts run 100 each at once', async () => {
    const w = automationWorld();
    for (let i = 0; i < 150; i++) await w.start(`a-${i}`, '111111111111');
    for (let i = 0; i < 150; i++) await w.start(`b-${i}`, '222222222222');
    w.standIn.kick();
    await w.settle();
    expect(w.running()).to.equal(2 * MAX_CONCURRENT);
    const drained = w.standIn.drain();
    for (let round = 0; round < 10 && w.standIn.started.some((s) => !s.endedAt); round++) {
      w.releaseAll();
      await w.settle();
    }
    await drained;
  });

  it('answers a repeated ClientToken with the first execution, in its own account only', async () => {
    const w = automationWorld();
    const first = await w.start('same');
    expect(await w.start('same')).to.deep.equal(first);
    expect((await w.start('same', '222222222222')).AutomationExecutionId).to.not.equal(first.AutomationExecutionId);
    expect(w.standIn.find(String(first.AutomationExecutionId))?.clientToken).to.equal('same');
    expect(w.standIn.started).to.have.length(2);
  });

  it('refuses a start beyond 100 running and 1,000 queued, as SSM does', async () => {
    const w = automationWorld();
    for (let i = 0; i < MAX_CONCURRENT + MAX_QUEUED; i++) await w.start(`t-${i}`);
    const err = await w.start('one-too-many').catch((e: unknown) => e);
    expect((err as { name?: string }).name).to.equal('AutomationExecutionLimitExceededException');
  });
});

describe('Security Hub stand-in at scale (an indexed copy instead of reading every finding on every call)', () => {
  function hubWorld(n: number) {
    const moto: Record<string, unknown>[] = [];
    for (let i = 0; i < n; i++) moto.push({ Id: `f-${i}`, ProductArn: 'arn:p', AwsAccountId: '111111111111', Region: 'us-east-1' });
    const motoCalls: string[] = [];
    const sdk: Invoker = {
      async call(c: AwsCall): Promise<AwsOutput> {
        motoCalls.push(c.operation);
        if (c.operation === 'GetFindings') {
          const start = Number(c.input.NextToken ?? 0);
          const page = moto.slice(start, start + 100);
          return { Findings: page, ...(start + 100 < moto.length ? { NextToken: String(start + 100) } : {}) };
        }
        if (c.operation === 'BatchImportFindings') {
          for (const f of c.input.Findings as Record<string, unknown>[]) {
            const i = moto.findIndex((m) => m.Id === f.Id);
            if (i >= 0) moto[i] = f;
            else moto.push(f);
          }
          return { FailedCount: 0, SuccessCount: (c.input.Findings as unknown[]).length };
        }
        throw new Error(`unexpected ${c.operation}`);
      },
    };
    const hub = new SecurityHubStandIn({
      sdk,
      adminAccount: '123456789012',
      identify: async () => ({ account: '111111111111', arn: 'arn:aws:sts::111111111111:assumed-role/m/s' }),
      serviceCredentials: async () => undefined,
    });
    const call = (operation: string, input: Record<string, unknown>): AwsCall => ({
      service: 'securityhub',
      operation,
      region: 'us-east-1',
      input,
    });
    return { hub, motoCalls, call };
  }

  it('reads moto once, then answers GetFindings by id and BatchUpdateFindings without paging through every finding', async () => {
    const { hub, motoCalls, call } = hubWorld(1000);
    const first = await hub.getFindings(call('GetFindings', { Filters: { Id: [{ Value: 'f-10', Comparison: 'EQUALS' }] } }));
    expect((first.Findings as unknown[]).length).to.equal(1);
    expect(motoCalls.filter((o) => o === 'GetFindings')).to.have.length(10);
    for (let i = 0; i < 50; i++) {
      await hub.batchUpdateFindings(
        call('BatchUpdateFindings', { FindingIdentifiers: [{ Id: `f-${i}`, ProductArn: 'arn:p' }], Workflow: { Status: 'NOTIFIED' } }),
      );
      const got = await hub.getFindings(call('GetFindings', { Filters: { Id: [{ Value: `f-${i}`, Comparison: 'EQUALS' }] } }));
      expect(((got.Findings as Array<Record<string, unknown>>)[0].Workflow as Record<string, unknown>).Status).to.equal('NOTIFIED');
    }
    // no more reads of moto: only the write-backs of the 50 updates (own account + administrator copy)
    expect(motoCalls.filter((o) => o === 'GetFindings')).to.have.length(10);
    expect(motoCalls.filter((o) => o === 'BatchImportFindings')).to.have.length(100);
  });

  it('sees a finding imported through it after the first read, and pages the filtered result', async () => {
    const { hub, call } = hubWorld(150);
    await hub.getFindings(call('GetFindings', {}));
    await hub.batchImportFindings(
      call('BatchImportFindings', { Findings: [{ Id: 'new', ProductArn: 'arn:p', AwsAccountId: '111111111111' }] }),
    );
    const one = await hub.getFindings(call('GetFindings', { Filters: { Id: [{ Value: 'new', Comparison: 'EQUALS' }] } }));
    expect((one.Findings as unknown[]).length).to.equal(1);
    const page1 = await hub.getFindings(call('GetFindings', { MaxResults: 100 }));
    expect((page1.Findings as unknown[]).length).to.equal(100);
    const page2 = await hub.getFindings(call('GetFindings', { MaxResults: 100, NextToken: page1.NextToken }));
    expect((page2.Findings as unknown[]).length).to.equal(51);
    expect(page2.NextToken).to.equal(undefined);
  });
});
