import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DocumentReadError, type ReadErrorCode, validateFile } from '../../src/validator';

function readErrorOf(file: string): DocumentReadError {
  try {
    validateFile(file);
  } catch (err) {
    if (err instanceof DocumentReadError) return err;
    throw err;
  }
  throw new Error(`expected ${file} to be unreadable`);
}

describe('validateFile', () => {
  let dir: string;
  const write = (name: string, content: string | Buffer) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
  };

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-validate-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const cases: Array<[string, string | Buffer, ReadErrorCode, string]> = [
    ['Broken-Doc.yaml', 'schemaVersion: "0.3"\nmainSteps: [\n  - name: x\n', 'NOT_YAML', 'not valid YAML or JSON: '],
    ['Broken-Json.json', '{"schemaVersion": "0.3", "mainSteps": [}', 'NOT_YAML', 'not valid YAML or JSON: '],
    ['Empty-Doc.yaml', '', 'EMPTY', 'the file is empty'],
    ['Blank-Doc.yaml', '  \n\n', 'EMPTY', 'the file is empty'],
    ['Comment-Only.yaml', '# nothing here\n', 'EMPTY', 'the document is empty (only comments or ---)'],
    ['Binary-Doc.yaml', Buffer.from([0x00, 0xff, 0x10, 0x00]), 'NOT_YAML', 'not YAML or JSON (binary content)'],
    ['Plain-Text.yaml', 'just some words\n', 'NOT_MAPPING', 'not an Automation document: the top level is a string, not a mapping'],
    ['List-Doc.yaml', '- a\n- b\n', 'NOT_MAPPING', 'not an Automation document: the top level is a list, not a mapping'],
    [
      'Run-Shell.yaml',
      'schemaVersion: "2.2"\ndescription: Command\nmainSteps:\n  - action: aws:runShellScript\n    name: run\n    inputs:\n      runCommand: [uptime]\n',
      'NOT_AUTOMATION',
      'schemaVersion 2.2 is a Command or Policy document; hubfix validates Automation documents (schemaVersion 0.3)',
    ],
    [
      'Future-Doc.yaml',
      'schemaVersion: "0.4"\nmainSteps: []\n',
      'NOT_AUTOMATION',
      'schemaVersion "0.4" is not an Automation document\'s (expected "0.3")',
    ],
  ];

  for (const [name, content, code, reason] of cases) {
    it(`refuses ${name} with ${code} and a one-line reason`, () => {
      const file = write(name, content);
      const err = readErrorOf(file);
      expect(err.code).to.equal(code);
      expect(err.file).to.equal(file);
      expect(err.reason.startsWith(reason), err.reason).to.equal(true);
      expect(err.reason).to.not.include('\n');
    });
  }

  it('says where YAML parsing failed', () => {
    const err = readErrorOf(write('Bad-Indent.yaml', 'schemaVersion: "0.3"\nmainSteps:\n\t- name: x\n'));
    expect(err.reason).to.match(/ at line 3, column \d+$/);
  });

  it('refuses a directory', () => {
    const err = readErrorOf(dir);
    expect([err.code, err.reason]).to.deep.equal(['IS_DIRECTORY', 'is a directory, not a document']);
  });

  it('refuses a missing file', () => {
    const err = readErrorOf(path.join(dir, 'Not-There.yaml'));
    expect([err.code, err.reason]).to.deep.equal(['NOT_FOUND', 'no such file']);
  });

  it('validates a readable document, named after its file', () => {
    const doc = 'schemaVersion: "0.3"\nmainSteps:\n  - name: Wait\n    action: aws:sleep\n    inputs:\n      Duration: PT1S\n';
    expect(validateFile(write('Acme-Wait.yaml', doc))).to.deep.equal([]);
    expect(validateFile(write('aws-wait.yaml', doc))).to.deep.equal([
      { path: '$', message: 'document name "aws-wait" must not start with aws, amazon or amzn (in any case): those prefixes are reserved' },
    ]);
  });

  it('reads JSON as well as YAML', () => {
    const doc = { schemaVersion: '0.3', mainSteps: [{ name: 'Wait', action: 'aws:sleep', inputs: { Duration: 'PT1S', Bogus: 1 } }] };
    expect(validateFile(write('Acme-Wait.json', JSON.stringify(doc)))).to.deep.equal([
      { path: '$.mainSteps[0].inputs.Bogus', message: 'unknown key (allowed here: Duration, Timestamp)' },
    ]);
  });

  it('measures the size of the file as written', () => {
    const doc = `schemaVersion: "0.3"\ndescription: "${'x'.repeat(70000)}"\nmainSteps:\n  - name: Wait\n    action: aws:sleep\n    inputs:\n      Duration: PT1S\n`;
    const problems = validateFile(write('Acme-Big.yaml', doc));
    expect(problems).to.deep.equal([
      { path: '$', message: `document is ${Buffer.byteLength(doc)} bytes; SSM accepts at most 65536 bytes (64 KB)` },
    ]);
  });
});
