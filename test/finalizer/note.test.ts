import { expect } from 'chai';
import { composeTrail, ENTRY_SEPARATOR, formatEntry, NOTE_MAX, parseTrail } from '../../src/finalizer/note';
import { asciiLine, cleanText, truncate } from '../../src/finalizer/text';

const T = new Date('2024-05-01T12:34:56Z');

describe('note audit trail', () => {
  it('formats an entry with the time to the minute, the outcome, the execution id and the text', () => {
    expect(formatEntry({ time: T, outcome: 'SUCCEEDED', executionId: 'e-1', text: 'changed X' })).to.equal(
      '2024-05-01T12:34Z SUCCEEDED exec e-1: changed X',
    );
    expect(formatEntry({ time: T, outcome: 'NOTIFY_ONLY', text: 'needs a person' })).to.equal(
      '2024-05-01T12:34Z NOTIFY_ONLY no run: needs a person',
    );
  });

  it('keeps the separator out of entry text so the next run splits the trail correctly', () => {
    const e = formatEntry({ time: T, outcome: 'FAILED', executionId: 'e', text: 'a || b\nc' });
    expect(e).to.equal('2024-05-01T12:34Z FAILED exec e: a | b c');
    expect(parseTrail(composeTrail({ time: T, outcome: 'X', executionId: 'e2', text: 't' }, e))).to.have.length(2);
  });

  it('puts the new entry first and drops older entries whole when they do not fit', () => {
    const older = ['2024-04-02T00:00Z FAILED exec b: ' + 'y'.repeat(200), '2024-04-01T00:00Z FAILED exec a: ' + 'z'.repeat(200)];
    const note = composeTrail({ time: T, outcome: 'SUCCEEDED', executionId: 'c', text: 'x'.repeat(100) }, older.join(ENTRY_SEPARATOR));
    const entries = parseTrail(note);
    expect(note.length).to.be.at.most(NOTE_MAX);
    expect(entries).to.have.length(2);
    expect(entries[0]).to.match(/^2024-05-01T12:34Z SUCCEEDED exec c: x{100}$/);
    expect(entries[1]).to.equal(older[0]);
  });

  it('treats a note someone else wrote as one older entry', () => {
    const note = composeTrail({ time: T, outcome: 'DRY_RUN', executionId: 'e', text: 'would' }, 'Analyst: checked with the owner');
    expect(note).to.equal('2024-05-01T12:34Z DRY_RUN exec e: would || Analyst: checked with the owner');
  });

  it('never exceeds 512 characters, even with a huge text and a huge older note', () => {
    const note = composeTrail({ time: T, outcome: 'FAILED', executionId: 'e'.repeat(36), text: '€'.repeat(5000) }, 'q'.repeat(5000));
    expect(note.length).to.be.at.most(NOTE_MAX);
    expect(note.startsWith(`2024-05-01T12:34Z FAILED exec ${'e'.repeat(36)}: €`)).to.equal(true);
  });
});

describe('text hygiene', () => {
  it('strips C0 and C1 control characters and collapses whitespace', () => {
    expect(cleanText('a\u0000b\r\n\tc\u007f d\u0085e')).to.equal('a b c d e');
  });

  it('truncates with an ellipsis without splitting a surrogate pair', () => {
    const s = truncate('ab😀cd', 4);
    expect(s.length).to.be.at.most(4);
    expect(s).to.equal('ab…');
  });

  it('makes a printable ASCII line under the limit', () => {
    const s = asciiLine('x → y — “z”\n' + 'w'.repeat(200), 99);
    expect(s.length).to.be.at.most(99);
    expect(s).to.match(/^[\x20-\x7e]+$/);
    expect(s.startsWith('x -> y - "z" w')).to.equal(true);
  });
});
