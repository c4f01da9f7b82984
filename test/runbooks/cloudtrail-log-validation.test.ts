import { expect } from 'chai';
import { cloudTrailLogValidationRunbook, logValidationDecision } from '../../runbooks/cloudtrail-log-validation';
import { trailPlacementProblem } from '../../runbooks/support/trail';
import { awsCalls, callsTo, expectPolicyClean, finalStatus, mapOutput, mutatingCalls, output, runRunbook, stepsRun } from './engine-run';

const HERE = { account: '111122223333', region: 'us-east-1' };
const ARN = 'arn:aws:cloudtrail:us-east-1:111122223333:trail/main-trail';
const TABLE = 'cloudtrail-log-validation';

describe('CloudTrail log file validation: decisions (pure)', () => {
  it('accepts a trail of this account whose home Region is this Region', () => {
    expect(trailPlacementProblem(ARN, 'us-east-1', HERE)).to.equal(undefined);
  });

  it('sends an organization trail seen from a member account to its owner', () => {
    const why = trailPlacementProblem('arn:aws:cloudtrail:us-east-1:999988887777:trail/org', 'us-east-1', HERE, true);
    expect(why).to.equal(
      'trail arn:aws:cloudtrail:us-east-1:999988887777:trail/org belongs to account 999988887777 (an organization trail seen from member account 111122223333); it must be fixed in account 999988887777, Region us-east-1',
    );
  });

  it('sends a trail seen outside its home Region to that Region, from the ARN alone', () => {
    expect(trailPlacementProblem('arn:aws:cloudtrail:eu-west-1:111122223333:trail/t', undefined, HERE)).to.match(
      /home Region eu-west-1; .* run this runbook in eu-west-1$/,
    );
  });

  it('remediates a trail without validation and leaves one with it', () => {
    const trail = { Name: 't', TrailARN: ARN, HomeRegion: 'us-east-1' };
    expect(logValidationDecision({ ...trail, LogFileValidationEnabled: false }).decision).to.equal('remediate');
    expect(logValidationDecision(trail).decision, 'absent counts as off').to.equal('remediate');
    expect(logValidationDecision({ ...trail, LogFileValidationEnabled: true }).decision).to.equal('compliant');
  });

  it('takes the whole trail ARN from the finding, and no look-alike', () => {
    const [extract] = cloudTrailLogValidationRunbook.extract;
    const re = new RegExp(extract.pattern);
    expect(re.exec(ARN)?.[1]).to.equal(ARN);
    expect(re.test(`${ARN}/x`)).to.equal(false);
    expect(re.test('arn:aws:cloudtrail:us-east-1:1111222233:trail/main-trail')).to.equal(false);
  });
});

describe('CloudTrail log file validation runbook in the local engine', () => {
  it('turns validation on for a trail in its home Region and verifies it', async () => {
    const run = await runRunbook(cloudTrailLogValidationRunbook, `${TABLE}/validation-off.yaml`, { TrailName: ARN });
    expect(run.result.status).to.equal('Success');
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'EnableValidation', 'Verify', 'Finalize']);
    expect(mapOutput(run, 'Plan', 'Before')).to.include({ TrailArn: ARN, LogFileValidationEnabled: 'false' });
    expect(callsTo(run, 'UpdateTrail').map((c) => c.input)).to.deep.equal([{ Name: ARN, EnableLogFileValidation: true }]);
    expect(mapOutput(run, 'Verify', 'After')).to.include({ LogFileValidationEnabled: 'true' });
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it('reports the change its plan intended when the native change step succeeded (not "no change recorded")', async () => {
    const run = await runRunbook(cloudTrailLogValidationRunbook, `${TABLE}/validation-off.yaml`, { TrailName: ARN });
    const summary = finalStatus(run).summary;
    expect(summary).to.equal(
      'fixed and verified: as planned: trail main-trail: log file validation is off; will turn it on (UpdateTrail EnableLogFileValidation=true)',
    );
    expect(summary).not.to.contain('no change recorded');
  });

  it('does not claim a fix the trail does not show, and says what is still wrong', async () => {
    const run = await runRunbook(cloudTrailLogValidationRunbook, `${TABLE}/update-ignored.yaml`, { TrailName: ARN });
    expect(callsTo(run, 'UpdateTrail')).to.have.length(1);
    expect(output(run, 'Verify', 'Verified')).to.equal('false');
    expect(finalStatus(run)).to.deep.include({ status: 'NOT_VERIFIED', verified: false });
    expect(finalStatus(run).summary).to.contain('log file validation is still off');
    expectPolicyClean(run);
  });

  it('writes nothing when validation is already on (trail given by name)', async () => {
    const run = await runRunbook(cloudTrailLogValidationRunbook, `${TABLE}/validation-on.yaml`, { TrailName: 'main-trail' });
    expect(output(run, 'Plan', 'Decision')).to.equal('compliant');
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Verify', 'Finalize']);
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it('makes no mutating call in a dry run and says what it would do', async () => {
    const run = await runRunbook(cloudTrailLogValidationRunbook, `${TABLE}/validation-off.yaml`, { TrailName: ARN, DryRun: true });
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Finalize']);
    expect(finalStatus(run).status).to.equal('DRY_RUN');
    expect(finalStatus(run).summary).to.contain('will turn it on');
    expectPolicyClean(run);
  });

  const skips: Array<[string, string, RegExp, number]> = [
    [
      'an organization trail seen from a member account (by name)',
      'org-trail',
      /belongs to account 999988887777 \(an organization trail seen from member account 111122223333\)/,
      1,
    ],
    [
      'an organization trail ARN of another account, without calling CloudTrail',
      'arn:aws:cloudtrail:us-east-1:999988887777:trail/org-trail',
      /belongs to account 999988887777/,
      0,
    ],
    [
      'a multi-Region trail whose home Region is elsewhere (by name)',
      'eu-trail',
      /home Region eu-west-1; .*run this runbook in eu-west-1/,
      1,
    ],
    [
      'a trail ARN of another Region, without calling CloudTrail',
      'arn:aws:cloudtrail:eu-west-1:111122223333:trail/eu-trail',
      /home Region eu-west-1/,
      0,
    ],
    ['a trail that does not exist', 'gone-trail', /trail gone-trail was not found in account 111122223333, Region us-east-1/, 1],
  ];
  for (const [what, trail, reason, getTrailCalls] of skips) {
    it(`skips ${what} with the reason`, async () => {
      const run = await runRunbook(cloudTrailLogValidationRunbook, `${TABLE}/elsewhere.yaml`, { TrailName: trail });
      expect(output(run, 'Plan', 'Decision')).to.equal('skip');
      expect(output(run, 'Plan', 'Summary')).to.match(reason);
      expect(awsCalls(run).map((c) => c.operation)).to.deep.equal(Array(getTrailCalls).fill('GetTrail'));
      expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Finalize']);
      expect(finalStatus(run).summary).to.match(reason);
      expectPolicyClean(run);
    });
  }
});
