import { expect } from 'chai';
import type { AwsCall } from '../../src/aws/invoker';
import { UsageError } from '../../src/cli/errors';
import { runRemediate } from '../../src/cli/remediate';
import { findingOf } from '../findings/helpers';
import { fakeAws } from '../orchestrator/fake-aws';

/** `hubfix remediate --finding-id … --direct`: from a member account, with the caller's own credentials. */

function member(account: string) {
  const fake = fakeAws();
  const invoker = {
    call: async (call: AwsCall) =>
      call.service === 'sts' && call.operation === 'GetCallerIdentity'
        ? { Account: account, Arn: `arn:aws:sts::${account}:assumed-role/SecurityTeam/alice` }
        : fake.invoker.call(call),
  };
  return { fake, invoker };
}

describe('cli: hubfix remediate --direct', () => {
  it("starts in the caller's own account with the caller's credentials (no member role) and writes the same notes", async () => {
    const f = findingOf('imported-consolidated-iam15.json');
    f.Workflow.Status = 'NOTIFIED';
    const m = member('111122223333');
    m.fake.findings.push(f);
    let out = '';
    const code = await runRemediate(
      { findingId: f.Id, direct: true },
      m.invoker,
      (s) => (out += s),
      () => {},
    );
    expect(code, out).to.equal(0);
    expect(m.fake.calls('sts', 'AssumeRole'), 'no hubfix-member role').to.have.length(0);
    const [start] = m.fake.calls('ssm', 'StartAutomationExecution');
    expect(start.credentials, "the caller's own credentials").to.equal(undefined);
    expect(start.input.DocumentName).to.equal('Hubfix-IAM-PasswordPolicy');
    expect((start.input.Parameters as Record<string, string[]>).AutomationAssumeRole[0]).to.match(/^arn:aws:iam::111122223333:role\//);
    const [update] = m.fake.calls('securityhub', 'BatchUpdateFindings');
    expect(update.input.Note).to.deep.include({ UpdatedBy: 'hubfix' });
    expect(String((update.input.Note as { Text: string }).Text)).to.match(/STARTED exec (pending|exec-0000)/);
    expect((update.input.UserDefinedFields as Record<string, string>)['hubfix:status']).to.equal('STARTED');
    expect(out).to.match(/^start ACTION_REMEDIATE/);
  });

  it('refuses, before anything is read or started, when the credentials are another account', async () => {
    const f = findingOf('imported-consolidated-iam15.json');
    const m = member('999988887777');
    m.fake.findings.push(f);
    await runRemediate(
      { findingId: f.Id, direct: true },
      m.invoker,
      () => {},
      () => {},
    ).then(
      () => expect.fail('started from the wrong account'),
      (err) => {
        expect(err).to.be.instanceOf(UsageError);
        expect((err as Error).message).to.match(/credentials are account 999988887777, the finding belongs to 111122223333/);
      },
    );
    expect(m.fake.calls('securityhub', 'GetFindings')).to.have.length(0);
    expect(m.fake.started).to.have.length(0);
  });
});
