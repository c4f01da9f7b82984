import { expect } from 'chai';
import * as sinon from 'sinon';
import { type AwsCall, AwsServiceError, type Invoker } from '../../src/aws/invoker';
import {
  ACTION_ID_PATTERN,
  ACTION_NAME_MAX,
  ACTION_TARGETS,
  DRY_RUN_ACTION_ID,
  ensureActionTargets,
  hubfixActionOfArn,
  REMEDIATE_ACTION_ID,
} from '../../src/finalizer/actions';
import { regionsFrom } from '../../src/cli/actions';
import { UsageError } from '../../src/cli/errors';

const arn = (id: string, region = 'us-east-1') => `arn:aws:securityhub:${region}:111122223333:action/custom/${id}`;

function fakeHub(initial: string[] = [], conflictOn?: string): { inv: Invoker; call: sinon.SinonStub; targets: Map<string, string> } {
  const targets = new Map(initial.map((id) => [id, id]));
  const call = sinon.stub().callsFake(async (c: AwsCall) => {
    if (c.operation === 'DescribeActionTargets') {
      // one target per page, to exercise paging
      const ids = [...targets.keys()];
      const start = c.input.NextToken ? Number(c.input.NextToken) : 0;
      const page = ids
        .slice(start, start + 1)
        .map((id) => ({ ActionTargetArn: arn(id, c.region), Name: targets.get(id), Description: 'd' }));
      return { ActionTargets: page, ...(start + 1 < ids.length ? { NextToken: String(start + 1) } : {}) };
    }
    if (c.operation === 'CreateActionTarget') {
      const id = String(c.input.Id);
      if (id === conflictOn) {
        targets.set(id, String(c.input.Name));
        throw new AwsServiceError('ResourceConflictException', 'exists');
      }
      targets.set(id, String(c.input.Name));
      return { ActionTargetArn: arn(id, c.region) };
    }
    throw new Error(`unexpected ${c.operation}`);
  });
  return { inv: { call }, call, targets };
}

describe('custom actions', () => {
  it('fit Security Hub limits: name and id at most 20 characters, id alphanumeric', () => {
    expect(ACTION_TARGETS.map((a) => a.id)).to.deep.equal([REMEDIATE_ACTION_ID, DRY_RUN_ACTION_ID]);
    expect(ACTION_TARGETS.map((a) => a.name)).to.deep.equal(['Remediate', 'Remediate (dry run)']);
    for (const a of ACTION_TARGETS) {
      expect(a.name.length).to.be.at.most(ACTION_NAME_MAX);
      expect(a.id).to.match(ACTION_ID_PATTERN);
    }
  });

  it('are recognised by the id at the end of the action ARN', () => {
    expect(hubfixActionOfArn(arn('HubfixRemediate'))).to.equal('remediate');
    expect(hubfixActionOfArn(arn('HubfixDryRun', 'eu-west-1'))).to.equal('dry-run');
    expect(hubfixActionOfArn(arn('SendToChat'))).to.equal(undefined);
    expect(hubfixActionOfArn('arn:aws:securityhub:us-east-1:111122223333:action/custom/HubfixRemediateX')).to.equal(undefined);
  });

  it('creates both when none exist', async () => {
    const { inv, call } = fakeHub(['SendToChat']);
    const r = await ensureActionTargets(inv, 'us-east-1');
    expect(r.map((t) => [t.id, t.result, t.arn])).to.deep.equal([
      ['HubfixRemediate', 'created', arn('HubfixRemediate')],
      ['HubfixDryRun', 'created', arn('HubfixDryRun')],
    ]);
    const creates = call.getCalls().filter((c) => c.args[0].operation === 'CreateActionTarget');
    expect(creates.map((c) => c.args[0].input)).to.deep.include({
      Name: 'Remediate',
      Id: 'HubfixRemediate',
      Description: ACTION_TARGETS[0].description,
    });
  });

  it('reuses an existing target (found across pages) and creates only the missing one', async () => {
    const { inv, call } = fakeHub(['SendToChat', 'HubfixRemediate']);
    const r = await ensureActionTargets(inv, 'us-east-1');
    expect(r.map((t) => `${t.id}:${t.result}`)).to.deep.equal(['HubfixRemediate:exists', 'HubfixDryRun:created']);
    expect(call.getCalls().filter((c) => c.args[0].operation === 'CreateActionTarget')).to.have.length(1);
  });

  it('is idempotent: a second run creates nothing', async () => {
    const hub = fakeHub();
    await ensureActionTargets(hub.inv, 'us-east-1');
    const again = await ensureActionTargets(hub.inv, 'us-east-1');
    expect(again.map((t) => t.result)).to.deep.equal(['exists', 'exists']);
  });

  it('treats ResourceConflictException on create as exists', async () => {
    const { inv } = fakeHub([], 'HubfixDryRun');
    const r = await ensureActionTargets(inv, 'us-east-1');
    expect(r.map((t) => `${t.id}:${t.result}`)).to.deep.equal(['HubfixRemediate:created', 'HubfixDryRun:exists']);
    expect(r[1].arn).to.equal(arn('HubfixDryRun'));
  });

  it('CLI takes Regions from --region (repeatable, comma lists) or AWS_REGION, and refuses none or a bad one', () => {
    expect(regionsFrom({ region: ['us-east-1', 'eu-west-1,us-east-1'] }, {})).to.deep.equal(['us-east-1', 'eu-west-1']);
    expect(regionsFrom({}, { AWS_REGION: 'ap-southeast-2' })).to.deep.equal(['ap-southeast-2']);
    expect(() => regionsFrom({}, {})).to.throw(UsageError, /no Region/);
    expect(() => regionsFrom({ region: ['useast1'] }, {})).to.throw(UsageError, /not a Region/);
  });
});
