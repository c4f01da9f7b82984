import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import * as sinon from 'sinon';
import type { Invoker } from '../../src/aws/invoker';
import { AwsServiceError } from '../../src/aws/invoker';
import { main } from '../../src/cli/main';
import { simulate } from '../../src/cli/simulate';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = sinon.stub(process.stdout, 'write').returns(true);
  const err = sinon.stub(process.stderr, 'write').returns(true);
  try {
    const code = await main(['node', 'hubfix', ...args]);
    const text = (s: sinon.SinonStub) =>
      s
        .getCalls()
        .map((c) => String(c.args[0]))
        .join('');
    return { code, out: text(out), err: text(err) };
  } finally {
    out.restore();
    err.restore();
  }
}

const FINDING_ID = 'arn:aws:securityhub:us-east-1:111122223333:security-control/IAM.15/finding/6c0f4c7e-2b8a-4f1c-9d3e-000000000001';
const SIMULATE_FIX = path.join(__dirname, '..', 'simulate', 'fixtures');

describe('cli: user mistakes are one line and exit 2', () => {
  it('hubfix docs --out a directory', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-docs-'));
    try {
      const r = await run(['docs', '--out', dir]);
      expect(r.code).to.equal(2);
      expect(r.err).to.equal(`hubfix: --out ${dir} is a directory; give the file to write\n`);
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });

  it('hubfix docs --out where nothing can be written', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-docs-'));
    const blocker = path.join(dir, 'file');
    fs.writeFileSync(blocker, '');
    try {
      const r = await run(['docs', '--out', path.join(blocker, 'controls.md')]);
      expect(r.code).to.equal(2);
      expect(r.err).to.match(/^hubfix: cannot write .*controls\.md: E[A-Z]+\n$/);
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });

  it('hubfix remediate and hubfix actions refuse an --endpoint that is not an http(s) URL', async () => {
    for (const args of [
      ['remediate', '--finding-id', FINDING_ID, '--endpoint', 'localhost:5000'],
      ['actions', 'create', '--region', 'us-east-1', '--endpoint', 'localhost:5000'],
      ['actions', 'list', '--region', 'us-east-1', '--endpoint', 'localhost:5000'],
    ]) {
      const r = await run(args);
      expect(r.code, args.join(' ')).to.equal(2);
      expect(r.err).to.equal('hubfix: --endpoint localhost:5000 is not an http(s) URL\n');
    }
  });
});

describe('cli: hubfix simulate when nothing could start', () => {
  it('exits 1 when the orchestrator could not start the run (an unreachable endpoint)', async () => {
    const refused: Invoker = {
      call: async (c) => {
        throw new AwsServiceError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1', c.service, c.operation);
      },
    };
    const r = await simulate(
      path.join(SIMULATE_FIX, 'password-policy-event.json'),
      { endpoint: 'http://127.0.0.1:1' },
      { invoker: refused },
    );
    expect(r.outcomes.map((o) => o.outcome)).to.deep.equal(['start-failed']);
    expect(r.executions).to.deep.equal([]);
    const cli = await run(['simulate', path.join(SIMULATE_FIX, 'password-policy-event.json'), '--endpoint', 'http://127.0.0.1:1']);
    expect(cli.code).to.equal(1);
    expect(cli.out).to.contain('-> start-failed: AssumeRole');
  });
});
