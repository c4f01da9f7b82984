import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { AwsServiceError } from '../../src/aws/invoker';
import { MockInvoker, MockTableError, deepPartialMatch, loadMockTable } from '../../src/aws/mock-invoker';

const call = (operation: string, input: Record<string, unknown> = {}, more: Record<string, unknown> = {}) => ({
  service: 'iam',
  operation,
  input,
  region: 'us-east-1',
  account: '111122223333',
  ...more,
});

async function rejection(p: Promise<unknown>): Promise<AwsServiceError> {
  try {
    await p;
  } catch (err) {
    return err as AwsServiceError;
  }
  throw new Error('expected a rejection');
}

function tmpFile(name: string, text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-mock-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

describe('MockInvoker', () => {
  it('answers with the output of the first entry that matches service, operation and input (deep partial)', async () => {
    const m = new MockInvoker({
      mocks: [
        { service: 'iam', operation: 'GetUser', input: { UserName: 'alice' }, output: { User: { UserName: 'alice' } } },
        { service: 'iam', operation: 'GetUser', output: { User: { UserName: 'anyone' } } },
      ],
    });
    expect(await m.call(call('GetUser', { UserName: 'alice', Extra: 1 }))).to.deep.equal({ User: { UserName: 'alice' } });
    expect(await m.call(call('GetUser', { UserName: 'bob' }))).to.deep.equal({ User: { UserName: 'anyone' } });
  });

  it('matches nested maps partially and lists item by item', () => {
    expect(deepPartialMatch({ A: { B: 1 } }, { A: { B: 1, C: 2 } })).to.equal(true);
    expect(deepPartialMatch({ L: [{ x: 1 }] }, { L: [{ x: 1, y: 2 }] })).to.equal(true);
    expect(deepPartialMatch({ L: [{ x: 1 }] }, { L: [{ x: 1 }, { x: 2 }] })).to.equal(false);
    expect(deepPartialMatch({ N: 14 }, { N: '14' })).to.equal(false);
  });

  it('an entry with times answers that many calls, then the next entry does', async () => {
    const m = new MockInvoker({
      mocks: [
        { service: 'iam', operation: 'GetAccountPasswordPolicy', times: 2, output: { n: 1 } },
        { service: 'iam', operation: 'GetAccountPasswordPolicy', output: { n: 2 } },
      ],
    });
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push((await m.call(call('GetAccountPasswordPolicy'))).n);
    expect(seen).to.deep.equal([1, 1, 2, 2]);
  });

  it('an error entry throws an AwsServiceError with its name as the code', async () => {
    const m = new MockInvoker({
      mocks: [{ service: 'iam', operation: 'GetAccountPasswordPolicy', error: { name: 'NoSuchEntity', message: 'no policy' } }],
    });
    const err = await rejection(m.call(call('GetAccountPasswordPolicy')));
    expect(err).to.be.instanceOf(AwsServiceError);
    expect(err.code).to.equal('NoSuchEntity');
    expect(err.name).to.equal('NoSuchEntity');
    expect(err.message).to.equal('no policy');
  });

  it('matches on account and region when the entry names them', async () => {
    const m = new MockInvoker({
      mocks: [{ service: 'iam', operation: 'GetUser', account: '444455556666', region: 'eu-west-1', output: { hit: true } }],
    });
    expect(await m.call(call('GetUser', {}, { account: '444455556666', region: 'eu-west-1' }))).to.deep.equal({ hit: true });
    expect((await rejection(m.call(call('GetUser')))).code).to.equal('UnmatchedMockCall');
  });

  it('an unmatched call throws UnmatchedMockCall naming the service, operation and input', async () => {
    const m = new MockInvoker({ mocks: [] });
    const err = await rejection(m.call(call('UpdateAccountPasswordPolicy', { MinimumPasswordLength: 14 })));
    expect(err.code).to.equal('UnmatchedMockCall');
    expect(err.message).to.equal(
      'no mock matches iam UpdateAccountPasswordPolicy {"MinimumPasswordLength":14} (account 111122223333, region us-east-1)',
    );
  });

  it('gives each caller its own copy of an output', async () => {
    const m = new MockInvoker({ mocks: [{ service: 'iam', operation: 'GetUser', output: { User: { Tags: [] } } }] });
    const first = (await m.call(call('GetUser'))) as { User: { Tags: unknown[] } };
    first.User.Tags.push('mutated');
    expect(await m.call(call('GetUser'))).to.deep.equal({ User: { Tags: [] } });
  });

  it('built in: sts AssumeRole returns fake credentials for the role, in the account of its ARN', async () => {
    const m = new MockInvoker({ mocks: [] });
    const out = (await m.call({
      service: 'sts',
      operation: 'AssumeRole',
      input: { RoleArn: 'arn:aws:iam::444455556666:role/R', RoleSessionName: 's1' },
      region: 'us-east-1',
    })) as {
      Credentials: { AccessKeyId: string; SessionToken: string };
      AssumedRoleUser: { Arn: string };
    };
    expect(out.Credentials.AccessKeyId).to.match(/^ASIA/);
    expect(out.AssumedRoleUser.Arn).to.equal('arn:aws:sts::444455556666:assumed-role/R/s1');
  });

  it('an entry for sts AssumeRole wins over the built-in, and builtins can be turned off', async () => {
    const entry = { service: 'sts', operation: 'AssumeRole', error: { name: 'AccessDenied', message: 'not trusted' } };
    const m = new MockInvoker({ mocks: [entry] });
    const assume = { service: 'sts', operation: 'AssumeRole', input: { RoleArn: 'arn:aws:iam::444455556666:role/R' }, region: 'us-east-1' };
    expect((await rejection(m.call(assume))).code).to.equal('AccessDenied');
    const strict = new MockInvoker({ mocks: [] }, { builtins: false });
    expect((await rejection(strict.call(assume))).code).to.equal('UnmatchedMockCall');
  });

  it('loads a YAML or a JSON table from a file', async () => {
    const yamlFile = tmpFile('t.yaml', 'mocks:\n  - service: iam\n    operation: GetUser\n    output: {User: {UserName: y}}\n');
    const jsonFile = tmpFile(
      't.json',
      JSON.stringify({ mocks: [{ service: 'iam', operation: 'GetUser', output: { User: { UserName: 'j' } } }] }),
    );
    expect(await MockInvoker.fromFile(yamlFile).call(call('GetUser'))).to.deep.equal({ User: { UserName: 'y' } });
    expect(await MockInvoker.fromFile(jsonFile).call(call('GetUser'))).to.deep.equal({ User: { UserName: 'j' } });
  });

  it('a malformed table is a one-line MockTableError saying where', () => {
    const cases: Array<[string, RegExp]> = [
      ['mocks: {}', /expected a map with a "mocks" list/],
      ['mocks:\n  - service: iam\n', /mocks\[0\] needs "operation"/],
      ['mocks:\n  - {service: iam, operation: getUser}\n', /PascalCase/],
      ['mocks:\n  - {service: iam, operation: GetUser, output: {}, error: {name: X}}\n', /both output and error/],
      ['mocks:\n  - {service: iam, operation: GetUser, error: {message: x}}\n', /error needs a "name"/],
      ['mocks:\n  - {service: iam, operation: GetUser, times: 0}\n', /times must be a positive integer/],
      ['mocks:\n  - {service: iam, operation: GetUser, outptu: {}}\n', /unknown key "outptu"/],
      ['mocks: [\n', /not valid YAML or JSON/],
    ];
    for (const [text, re] of cases) {
      const file = tmpFile('bad.yaml', text);
      let err: unknown;
      try {
        loadMockTable(file);
      } catch (e) {
        err = e;
      }
      expect(err, text).to.be.instanceOf(MockTableError);
      expect((err as Error).message, text).to.match(re);
      expect((err as Error).message).to.not.include('\n');
    }
    let missing: unknown;
    try {
      loadMockTable('/nonexistent/mocks.yaml');
    } catch (e) {
      missing = e;
    }
    expect((missing as Error).message).to.equal('cannot read mock table /nonexistent/mocks.yaml: ENOENT');
  });

  it('lists entries no call used', async () => {
    const m = new MockInvoker({
      mocks: [
        { service: 'iam', operation: 'GetUser', output: {} },
        { service: 'iam', operation: 'ListUsers', output: {} },
      ],
    });
    await m.call(call('GetUser'));
    expect(m.unused().map((e) => e.operation)).to.deep.equal(['ListUsers']);
  });
});
