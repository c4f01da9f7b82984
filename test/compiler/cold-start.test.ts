import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as sinon from 'sinon';
import { runBuild } from '../../src/cli/build';
import { sdkPackagesOf } from '../../src/compiler/bundle';
import { standaloneValidators } from '../../src/compiler/validators';
import { type Validators, validators } from '../../src/findings/validators';
import { fixture } from '../findings/helpers';

/** What a cold start of the orchestrator does not do any more: compile schemas or runbooks. */

function loadStandalone(): Validators {
  const m = { exports: {} as Record<string, unknown> };
  new Function('module', 'exports', 'require', standaloneValidators())(m, m.exports, require);
  return (m.exports.validators as () => Validators)();
}

describe('precompiled validators (ajv standalone code, built into the Lambda bundles)', () => {
  const built = loadStandalone();
  const live = validators();
  const verdict = (v: Validators[keyof Validators], value: unknown) => ({ ok: v(value), errors: v.errors ?? null });

  it('judge events, findings and configurations exactly as the validators compiled at run time', () => {
    const event = fixture('imported-consolidated-iam15.json') as { detail: { findings: unknown[] } };
    const finding = event.detail.findings[0] as Record<string, unknown>;
    const cases: Array<[keyof Validators, unknown]> = [
      ['event', event],
      ['event', fixture('bad-malformed-event.json')],
      ['event', fixture('bad-wrong-types.json')],
      ['finding', finding],
      ['finding', { ...finding, Resources: [] }],
      ['finding', { ...finding, UpdatedAt: 'yesterday' }],
      ['config', { version: 1 }],
      ['config', { version: 1, mode: { default: 'sometimes' } }],
      ['config', { version: 2 }],
    ];
    for (const [name, value] of cases)
      expect(verdict(built[name], value), `${name} ${JSON.stringify(value).slice(0, 60)}`).to.deep.equal(verdict(live[name], value));
    expect(built.finding({ ...finding, Resources: [] })).to.equal(false);
    expect(built.config({ version: 1 })).to.equal(true);
  });

  it('need no schema compiler at run time: only ajv runtime helpers and the format checks', () => {
    const requires = [...standaloneValidators().matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
    expect(requires.length).to.be.greaterThan(0);
    for (const r of requires) expect(r).to.match(/^(ajv\/dist\/runtime\/|ajv-formats\/dist\/formats$)/);
  });
});

describe('the orchestrator bundle', () => {
  let out: string;
  before(async function () {
    this.timeout(120_000);
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-cold-'));
    const stdout = sinon.stub(process.stdout, 'write').returns(true);
    try {
      expect(await runBuild({ out })).to.equal(0);
    } finally {
      stdout.restore();
    }
  });
  after(() => fs.rmSync(out, { recursive: true, force: true }));

  it('carries the built catalog and precompiled validators, no runbook and no schema compiler', () => {
    const text = fs.readFileSync(path.join(out, 'lambda', 'orchestrator', 'index.js'), 'utf8');
    const catalog = fs.readFileSync(path.join(out, 'catalog.json'), 'utf8');
    const firstControl = Object.keys(JSON.parse(catalog).controls)[0];
    expect(text).to.include(`{"version":1,"controls":{"${firstControl}":`);
    // a script handler id and a runbook's policy text would be there if runbooks were bundled
    expect(text).to.not.include('cloudtrailLogs.attach');
    expect(text).to.not.include('unknown keyword');
  });

  it('carries only the SDK clients of the services its role and the member role may call', () => {
    expect([...(sdkPackagesOf('orchestrator') ?? [])].sort()).to.deep.equal([
      '@aws-sdk/client-securityhub',
      '@aws-sdk/client-sns',
      '@aws-sdk/client-ssm',
      '@aws-sdk/client-sts',
    ]);
    expect(sdkPackagesOf('step-runner')).to.equal(undefined);
  });

  it('loaded fresh, decides an event with the built catalog', () => {
    const event = path.join(__dirname, '..', 'fixtures', 'events', 'imported-own-update-echo.json');
    const script = `
      const write = process.stdout.write.bind(process.stdout);
      process.stdout.write = () => true;
      require(${JSON.stringify(path.join(out, 'lambda', 'orchestrator', 'index.js'))})
        .handler(JSON.parse(require('fs').readFileSync(${JSON.stringify(event)}, 'utf8')))
        .then((r) => write(JSON.stringify(r.counts)));`;
    const counts = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(JSON.parse(counts)).to.include({ skip: 1, start: 0 });
  });

  it('loaded fresh, takes a scheduled event to the sweep: one not from hubfix-sweep sweeps nothing', () => {
    const event = {
      source: 'aws.events',
      'detail-type': 'Scheduled Event',
      account: '111122223333',
      resources: ['arn:aws:events:us-east-1:111122223333:rule/other'],
    };
    const script = `
      const write = process.stdout.write.bind(process.stdout);
      process.stdout.write = () => true;
      require(${JSON.stringify(path.join(out, 'lambda', 'orchestrator', 'index.js'))})
        .handler(${JSON.stringify(event)})
        .then((r) => write(JSON.stringify(r.sweep)));`;
    const sweep = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
    expect(sweep.rejected).to.match(/not from the rule hubfix-sweep: nothing swept/);
  });

  it('keeps the SDK clients beside it in sdk.js, loaded on the first AWS call only', () => {
    const dir = path.join(out, 'lambda', 'orchestrator');
    expect(fs.readFileSync(path.join(dir, 'index.js'), 'utf8')).to.not.include('BatchUpdateFindingsCommand');
    expect(fs.readFileSync(path.join(dir, 'sdk.js'), 'utf8')).to.include('BatchUpdateFindingsCommand');
    const zipped = fs.readFileSync(path.join(out, 'lambda', 'orchestrator.zip')).toString('latin1');
    for (const name of ['index.js', 'sdk.js']) expect(zipped).to.include(name);
    const event = path.join(__dirname, '..', 'fixtures', 'events', 'imported-own-update-echo.json');
    const script = `
      const write = process.stdout.write.bind(process.stdout);
      process.stdout.write = () => true;
      require(${JSON.stringify(path.join(dir, 'index.js'))})
        .handler(JSON.parse(require('fs').readFileSync(${JSON.stringify(event)}, 'utf8')))
        .then(() => write(JSON.stringify(Object.keys(require.cache).map((f) => require('path').basename(f)))));`;
    expect(JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }))).to.deep.equal(['index.js']);
    const clients = execFileSync(
      process.execPath,
      ['-e', `process.stdout.write(Object.keys(require(${JSON.stringify(path.join(dir, 'sdk.js'))})).join())`],
      {
        encoding: 'utf8',
      },
    );
    expect(clients.split(',')).to.deep.equal([...(sdkPackagesOf('orchestrator') ?? [])].sort());
  });
});
