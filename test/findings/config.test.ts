import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ConfigError,
  configFromText,
  defaultConfig,
  effectiveMode,
  expiryTime,
  inEffect,
  loadConfigFile,
  parseConfig,
} from '../../src/findings/config';

describe('config', () => {
  it('defaults: dry-run, 3 attempts in 24 h, hubfix-member, no topic, every Region, both custom actions on', () => {
    const c = defaultConfig();
    expect(c.mode.default).to.equal('dry-run');
    expect(c.loopGuard).to.deep.equal({ attempts: 3, windowHours: 24 });
    expect(c.memberRoleName).to.equal('hubfix-member');
    expect(c.notificationTopicArn).to.equal('');
    expect(c.allowedRegions).to.deep.equal([]);
    expect(c.customActions).to.deep.equal({
      remediate: { id: 'HubfixRemediate', enabled: true },
      dryRun: { id: 'HubfixDryRun', enabled: true },
    });
    expect(configFromText('')).to.deep.equal(c);
  });

  it('the example file at the repository root is valid', () => {
    const c = loadConfigFile(path.join(__dirname, '..', '..', 'hubfix.config.example.yaml'));
    expect(c.mode.default).to.equal('dry-run');
    expect(c.exclusions.tags.length).to.be.greaterThan(0);
  });

  it('rejects unknown keys, bad modes, bad ids and bad expiries with one line', () => {
    const cases: Array<[unknown, string]> = [
      [{ mdoe: {} }, 'mdoe: is not a known key'],
      [{ mode: { default: 'yolo' } }, 'mode.default: must be one of auto, dry-run, notify-only, disabled'],
      [{ mode: { controls: { 'not a control': 'auto' } } }, 'mode.controls'],
      [{ exclusions: { accounts: ['12345'] } }, 'exclusions.accounts[0]'],
      [{ exclusions: { tags: [{ key: 'a', expires: 'next week' }] } }, 'exclusions.tags[0].expires'],
      [{ loopGuard: { attempts: 0 } }, 'loopGuard.attempts'],
      [{ customActions: { remediate: { id: 'Hubfix-Remediate!' } } }, 'customActions.remediate.id'],
      [{ customActions: { remediate: { id: 'Same' }, dryRun: { id: 'Same' } } }, 'need different ids'],
      [{ notificationTopicArn: 'arn:aws:sqs:us-east-1:123456789012:q' }, 'notificationTopicArn'],
    ];
    for (const [raw, text] of cases) {
      expect(() => parseConfig(raw, 'x.yaml'), text).to.throw(ConfigError, text);
    }
    expect(() => configFromText('mode: [', 'y.yaml')).to.throw(ConfigError, 'y.yaml: not valid YAML');
    expect(() => loadConfigFile('/nonexistent/hubfix.yaml')).to.throw(ConfigError, 'cannot read: ENOENT');
  });

  it('reads YAML with exclusions in both forms', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-config-'));
    const file = path.join(dir, 'hubfix.config.yaml');
    fs.writeFileSync(
      file,
      [
        'mode:',
        '  default: auto',
        '  controls:',
        '    EC2.13: notify-only',
        'exclusions:',
        "  accounts: ['111122223333', {account: '444455556666', expires: 2030-01-01}]",
        '  regions: [ap-east-1]',
      ].join('\n'),
    );
    const c = loadConfigFile(file);
    expect(c.exclusions.accounts.map((a) => a.account)).to.deep.equal(['111122223333', '444455556666']);
    expect(c.exclusions.accounts[1].expiresAt).to.equal(Date.parse('2030-01-02T00:00:00Z'));
    expect(c.exclusions.regions[0].region).to.equal('ap-east-1');
  });

  it('effective mode: the control entry wins; otherwise the more cautious default', () => {
    const c = parseConfig({ mode: { default: 'auto', controls: { 'IAM.3': 'auto' } } });
    expect(effectiveMode(c, 'IAM.3', 'notify-only')).to.equal('auto');
    expect(effectiveMode(c, 'IAM.4', 'notify-only')).to.equal('notify-only');
    expect(effectiveMode(c, 'IAM.15', 'auto')).to.equal('auto');
    expect(effectiveMode(defaultConfig(), 'IAM.15', 'auto')).to.equal('dry-run');
    expect(effectiveMode(parseConfig({ mode: { default: 'disabled' } }), 'IAM.15', 'notify-only')).to.equal('disabled');
  });

  it('an expiry date lasts through that day (UTC); a date-time to that instant', () => {
    expect(expiryTime('2024-06-01')).to.equal(Date.parse('2024-06-02T00:00:00Z'));
    expect(expiryTime('2024-06-01T10:00:00Z')).to.equal(Date.parse('2024-06-01T10:00:00Z'));
    expect(inEffect({ expiresAt: 10 }, 9)).to.equal(true);
    expect(inEffect({ expiresAt: 10 }, 10)).to.equal(false);
    expect(inEffect({}, Number.MAX_SAFE_INTEGER)).to.equal(true);
  });
});
