import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as sinon from 'sinon';
import { runBuild } from '../../src/cli/build';
import { UsageError } from '../../src/cli/errors';

function filesUnder(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out.set(path.relative(dir, full), fs.readFileSync(full, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

describe('hubfix build', () => {
  let stdout: sinon.SinonStub;
  beforeEach(() => {
    stdout = sinon.stub(process.stdout, 'write').returns(true);
  });
  afterEach(() => stdout.restore());

  it('writes byte-identical artifacts on every build: documents, policies, catalog and Lambda bundles', async function () {
    this.timeout(180_000);
    const a = fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-build-a-'));
    const b = fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-build-b-'));
    expect(await runBuild({ out: a })).to.equal(0);
    expect(await runBuild({ out: b })).to.equal(0);
    stdout.restore();
    const fa = filesUnder(a);
    const fb = filesUnder(b);
    expect([...fa.keys()].sort()).to.deep.equal([...fb.keys()].sort());
    expect([...fa.keys()]).to.include.members([
      'catalog.json',
      'runbooks/Hubfix-IAM-PasswordPolicy.yaml',
      'policies/Hubfix-IAM-PasswordPolicy.json',
      'policies/hubfix-orchestrator.json',
      'policies/hubfix-member.json',
      'policies/hubfix-step-runner.json',
      'lambda/step-runner/index.js',
      'lambda/orchestrator/index.js',
    ]);
    for (const [name, text] of fa) expect(fb.get(name), name).to.equal(text);
  });

  it('refuses an output path under a file with one line, writing nothing', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-build-'));
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, 'x');
    let error: unknown;
    await runBuild({ out: path.join(file, 'dist') }).catch((e) => (error = e));
    expect(error).to.be.instanceOf(UsageError);
    expect((error as Error).message).to.equal(`cannot write to ${path.join(file, 'dist')}: ${file} is not a directory`);
    expect(fs.readdirSync(dir)).to.deep.equal(['a-file']);
  });
});
