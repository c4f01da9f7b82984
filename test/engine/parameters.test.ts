import { expect } from 'chai';
import { EngineInputError } from '../../src/engine/errors';
import { checkParameters } from '../../src/engine/parameters';
import type { DocumentParameter } from '../../src/model/document';
import { doc, run, sleepStep } from './helpers';

function failure(defs: Record<string, DocumentParameter>, given: Record<string, unknown>): string {
  try {
    checkParameters(defs, given);
  } catch (err) {
    expect(err).to.be.instanceOf(EngineInputError);
    expect((err as EngineInputError).code).to.equal('InvalidParameter');
    return (err as Error).message;
  }
  throw new Error('expected the parameters to be refused');
}

describe('engine: parameters are checked before any step runs', () => {
  it('fills defaults and keeps given values, typed', () => {
    const out = checkParameters(
      { A: { type: 'String', default: 'x' }, B: { type: 'Integer', default: 14 }, C: { type: 'Boolean', default: false } },
      { C: true },
    );
    expect(out).to.deep.equal({ A: 'x', B: 14, C: true });
  });

  it('converts Integer, Boolean, StringList, StringMap and MapList from their command-line strings', () => {
    const out = checkParameters(
      {
        I: { type: 'Integer' },
        B: { type: 'Boolean' },
        L: { type: 'StringList' },
        J: { type: 'StringList' },
        M: { type: 'StringMap' },
        ML: { type: 'MapList' },
      },
      { I: '24', B: 'True', L: 'a,b', J: '["x","y"]', M: '{"k":"v"}', ML: '[{"a":1}]' },
    );
    expect(out).to.deep.equal({ I: 24, B: true, L: ['a', 'b'], J: ['x', 'y'], M: { k: 'v' }, ML: [{ a: 1 }] });
  });

  it('takes SSM single-item lists for scalar parameters', () => {
    expect(checkParameters({ S: { type: 'String' }, I: { type: 'Integer' } }, { S: ['v'], I: ['7'] })).to.deep.equal({ S: 'v', I: 7 });
  });

  it('refuses a value of the wrong type', () => {
    expect(failure({ I: { type: 'Integer' } }, { I: '1.5' })).to.equal('parameter I: "1.5" is not an Integer');
    expect(failure({ B: { type: 'Boolean' } }, { B: 'yes' })).to.match(/parameter B: "yes" is not a Boolean/);
    expect(failure({ M: { type: 'StringMap' } }, { M: '[1]' })).to.match(/is not a StringMap/);
  });

  it('refuses a missing required parameter and an undeclared one', () => {
    expect(failure({ A: { type: 'String' } }, {})).to.equal('parameter A: is required and has no default');
    expect(failure({ A: { type: 'String', default: '' } }, { Z: 'x' })).to.match(/^parameter Z: is not a parameter of this document/);
  });

  it('checks allowedPattern (each item of a StringList too)', () => {
    const defs: Record<string, DocumentParameter> = {
      G: { type: 'String', allowedPattern: '^sg-[0-9a-f]{8,17}$' },
      L: { type: 'StringList', allowedPattern: '^i-\\w+$' },
    };
    expect(failure(defs, { G: 'sg-XYZ', L: [] })).to.match(/parameter G: "sg-XYZ" does not match allowedPattern/);
    expect(failure(defs, { G: 'sg-0123abcd', L: ['i-1', 'x'] })).to.match(/parameter L: item 1 "x" does not match/);
    expect(checkParameters(defs, { G: 'sg-0123abcd', L: ['i-1'] })).to.deep.equal({ G: 'sg-0123abcd', L: ['i-1'] });
  });

  it('checks allowedValues for strings and integers', () => {
    expect(failure({ M: { type: 'String', allowedValues: ['Keep', 'Enable'] } }, { M: 'Off' })).to.match(/not one of the allowed values/);
    expect(failure({ N: { type: 'Integer', allowedValues: ['22', '3389'] } }, { N: 80 })).to.match(/80 is not one of the allowed values/);
    expect(checkParameters({ N: { type: 'Integer', allowedValues: ['22', '3389'] } }, { N: '22' })).to.deep.equal({ N: 22 });
  });

  it('checks minChars/maxChars and minItems/maxItems', () => {
    expect(failure({ S: { type: 'String', minChars: 3 } }, { S: 'ab' })).to.match(/shorter than minChars 3/);
    expect(failure({ S: { type: 'String', maxChars: 3 } }, { S: 'abcd' })).to.match(/longer than maxChars 3/);
    expect(failure({ L: { type: 'StringList', minItems: 2 } }, { L: ['a'] })).to.match(/fewer than minItems 2/);
    expect(failure({ L: { type: 'MapList', maxItems: 1 } }, { L: [{}, {}] })).to.match(/more than maxItems 1/);
  });

  it('refuses a Parameter Store default a local run cannot read', () => {
    expect(failure({ P: { type: 'String', default: '{{ssm:/hubfix/topic}}' } }, {})).to.match(/reads Parameter Store/);
  });

  it('a bad parameter stops the run before anything is called', async () => {
    const d = doc([sleepStep('A')], { parameters: { N: { type: 'Integer' } } });
    let err: unknown;
    const calls: unknown[] = [];
    try {
      await run(
        d,
        { N: 'many' },
        {
          invoker: {
            call: async (c: unknown) => {
              calls.push(c);
              return {};
            },
          } as never,
        },
      );
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(EngineInputError);
    expect(calls).to.have.length(0);
  });
});
