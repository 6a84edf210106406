import { expect } from 'chai';
import { isLeft, isRight } from 'fp-ts/Either';
import { PathReporter } from 'io-ts/PathReporter';
import { DemandFrameCodec, ExchangeFrameCodec } from '../../src/cluster/exchangeProtocol';

const refusal = (u: unknown) => {
  const decoded = ExchangeFrameCodec.decode(u);
  if (!isLeft(decoded)) throw new Error(`decoded ${JSON.stringify(u)}`);
  return PathReporter.report(decoded).join('; ');
};

describe('cluster/exchangeProtocol', () => {
  it('decodes every frame a producer sends as it was sent', () => {
    const frames = [
      { type: 'records', records: [{ a: 1 }, 'b', [3]], timestamps: [1, NaN, 3] },
      { type: 'records', records: [], timestamps: [] },
      { type: 'watermark', watermark: 17 },
      { type: 'watermark', watermark: -Infinity },
      { type: 'barrier', id: 4 },
      { type: 'barrier.cancel', id: 5 },
      { type: 'idle' },
      { type: 'endOfInput' },
    ];
    for (const frame of frames) {
      const decoded = ExchangeFrameCodec.decode(frame);
      expect(isRight(decoded) && decoded.right).to.deep.equal(frame);
    }
  });

  it('refuses a frame of unknown type, naming the type', () => {
    expect(refusal({ type: 'records.v2' })).to.contain('not an exchange frame (type "records.v2")');
    expect(refusal('records')).to.contain('not an exchange frame (type undefined)');
    expect(refusal(null)).to.contain('not an exchange frame (type undefined)');
  });

  it('refuses a batch whose records and timestamps do not pair up', () => {
    expect(refusal({ type: 'records', records: 'abc', timestamps: [] })).to.contain('records must be an array');
    expect(refusal({ type: 'records', records: [1], timestamps: [1, 2] })).to.contain('1 records but 2 timestamps');
    expect(refusal({ type: 'records', records: [1, 2], timestamps: [1, '2'] })).to.contain('timestamp 1 is not a number');
  });

  it('refuses a barrier whose id is not a checkpoint id, and a watermark that is not a number', () => {
    expect(refusal({ type: 'barrier', id: 0 })).to.contain('a checkpoint id is an integer from 1');
    expect(refusal({ type: 'barrier.cancel', id: 1.5 })).to.contain('a checkpoint id is an integer from 1');
    expect(refusal({ type: 'watermark', watermark: '5' })).to.match(/Invalid value "5" supplied to .*\/watermark: number/);
  });

  it('decodes demand only with whole, non-negative credits and frames', () => {
    expect(DemandFrameCodec.decode({ type: 'demand', credits: 5, frames: 2 })).to.deep.equal({ _tag: 'Right', right: { type: 'demand', credits: 5, frames: 2 } });
    expect(isLeft(DemandFrameCodec.decode({ type: 'demand', credits: -1, frames: 0 }))).to.equal(true);
    expect(isLeft(DemandFrameCodec.decode({ type: 'demand', credits: 1, frames: 0.5 }))).to.equal(true);
    expect(isLeft(DemandFrameCodec.decode({ type: 'demand', credits: 1 }))).to.equal(true);
  });
});
