import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as sinon from 'sinon';
import { main } from '../../src/cli/main';
import { runValidate } from '../../src/cli/validate';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'documents');
const VALID_YAML = path.join(FIXTURES, 'Acme-StopIdleTaggedInstances.yaml');
const VALID_JSON = path.join(FIXTURES, 'Example-RetryUntilHealthy.json');

function capture(files: string[], opts: { json?: boolean } = {}) {
  let out = '';
  let err = '';
  const code = runValidate(files, opts, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe('hubfix validate', () => {
  let dir: string;
  const write = (name: string, content: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
  };
  let invalid: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-cli-'));
    invalid = write(
      'Acme-Invalid.yaml',
      [
        'schemaVersion: "0.3"',
        'mainSteps:',
        '  - name: Wait',
        '    action: aws:sleep',
        '    nextStep: Gone',
        '    inputs:',
        '      Duration: PT1S',
        '  - name: Wait',
        '    action: aws:sleep',
        '    inputs:',
        '      Duration: PT1S',
        '',
      ].join('\n'),
    );
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints FILE: valid and exits 0 when every file is valid', () => {
    const r = capture([VALID_YAML, VALID_JSON]);
    expect(r).to.deep.equal({ code: 0, out: `${VALID_YAML}: valid\n${VALID_JSON}: valid\n`, err: '' });
  });

  it('prints FILE: <json-path>: <message> for each problem and exits 1', () => {
    const r = capture([invalid]);
    expect(r.code).to.equal(1);
    expect(r.err).to.equal('');
    expect(r.out.split('\n').filter(Boolean)).to.deep.equal([
      `${invalid}: $.mainSteps[1].name: step name "Wait" is already used by $.mainSteps[0]`,
      `${invalid}: $.mainSteps[0].nextStep: nextStep names step "Gone", which does not exist`,
      `${invalid}: $.mainSteps[1]: step "Wait" can never run: no path from the first step leads to it (check nextStep, isEnd and branch targets)`,
    ]);
  });

  const badInputs: Array<[string, () => string, string]> = [
    ['a file that is not YAML or JSON', () => write('Not-Yaml.yaml', 'a: [1,\n'), 'not valid YAML or JSON: '],
    ['an empty file', () => write('Empty.yaml', ''), 'the file is empty'],
    [
      'a Command document (schemaVersion 2.2)',
      () =>
        write(
          'Command.yaml',
          'schemaVersion: "2.2"\nmainSteps:\n  - action: aws:runShellScript\n    name: x\n    inputs: {runCommand: [ls]}\n',
        ),
      'schemaVersion 2.2 is a Command or Policy document',
    ],
    ['a directory', () => dir, 'is a directory, not a document'],
    ['a missing file', () => path.join(dir, 'Missing.yaml'), 'no such file'],
  ];

  for (const [what, make, reason] of badInputs) {
    it(`exits 2 with one line and no stack trace for ${what}`, () => {
      const file = make();
      const r = capture([file]);
      expect(r.code).to.equal(2);
      expect(r.out).to.equal('');
      const lines = r.err.split('\n').filter(Boolean);
      expect(lines).to.have.length(1);
      expect(lines[0].startsWith(`${file}: ${reason}`), lines[0]).to.equal(true);
      expect(r.err).to.not.match(/\n\s+at /);
    });
  }

  it('still reports the other files when one cannot be read, and exits 2', () => {
    const missing = path.join(dir, 'Missing.yaml');
    const r = capture([VALID_YAML, missing, invalid]);
    expect(r.code).to.equal(2);
    expect(r.err).to.equal(`${missing}: no such file\n`);
    expect(r.out).to.include(`${VALID_YAML}: valid\n`);
    expect(r.out).to.include(`${invalid}: $.mainSteps[0].nextStep:`);
  });

  it('prints the JSON report with --json, a parse failure as one error at $', () => {
    const missing = path.join(dir, 'Missing.yaml');
    const r = capture([VALID_YAML, invalid, missing], { json: true });
    expect(r.code).to.equal(2);
    expect(r.err).to.equal('');
    expect(JSON.parse(r.out)).to.deep.equal([
      { file: VALID_YAML, valid: true, errors: [] },
      {
        file: invalid,
        valid: false,
        errors: [
          { path: '$.mainSteps[1].name', message: 'step name "Wait" is already used by $.mainSteps[0]' },
          { path: '$.mainSteps[0].nextStep', message: 'nextStep names step "Gone", which does not exist' },
          {
            path: '$.mainSteps[1]',
            message: 'step "Wait" can never run: no path from the first step leads to it (check nextStep, isEnd and branch targets)',
          },
        ],
      },
      { file: missing, valid: false, errors: [{ path: '$', message: 'no such file' }] },
    ]);
  });

  describe('through the hubfix command line', () => {
    let out: sinon.SinonStub;
    let err: sinon.SinonStub;
    beforeEach(() => {
      out = sinon.stub(process.stdout, 'write').returns(true);
      err = sinon.stub(process.stderr, 'write').returns(true);
    });
    afterEach(() => sinon.restore());

    const printed = (stub: sinon.SinonStub) =>
      stub
        .getCalls()
        .map((c) => String(c.args[0]))
        .join('');

    it('is registered as `hubfix validate` and returns its exit code', async () => {
      const code = await main(['node', 'hubfix', 'validate', VALID_YAML, invalid]);
      sinon.restore();
      expect(code).to.equal(1);
      expect(printed(out)).to.include(`${VALID_YAML}: valid\n`);
      expect(printed(out)).to.include(`${invalid}: $.mainSteps[1].name:`);
    });

    it('accepts --json', async () => {
      const code = await main(['node', 'hubfix', 'validate', '--json', VALID_JSON]);
      sinon.restore();
      expect(code).to.equal(0);
      expect(JSON.parse(printed(out))).to.deep.equal([{ file: VALID_JSON, valid: true, errors: [] }]);
    });

    it('exits 2 when no file is given', async () => {
      const code = await main(['node', 'hubfix', 'validate']);
      sinon.restore();
      expect(code).to.equal(2);
      expect(printed(err)).to.match(/missing required argument 'files'/);
    });
  });
});
