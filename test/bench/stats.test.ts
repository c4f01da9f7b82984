import { expect } from 'chai';
import { median, percentile } from '../../bench/stats';

describe('bench statistics', () => {
  it('the median is the middle sample, the upper one for an even count, whatever the order', () => {
    expect(median([3, 1, 2])).to.equal(2);
    expect(median([4, 1, 3, 2])).to.equal(3);
  });

  it('a percentile is the sample at that fraction of the sorted samples, the largest at most', () => {
    const xs = Array.from({ length: 10 }, (_, i) => 10 - i);
    expect(percentile(xs, 0.9)).to.equal(10);
    expect(percentile(xs, 0)).to.equal(1);
    expect(percentile(xs, 1)).to.equal(10);
  });

  it('without samples there is no figure (NaN), and the samples are left as they were', () => {
    expect(median([])).to.be.NaN;
    const xs = [2, 1];
    percentile(xs, 0.5);
    expect(xs).to.deep.equal([2, 1]);
  });
});
