import { expect } from 'chai';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { StreamEnvironment, TextFileSink } from '../../src';

describe('connectors: text files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-files-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('readTextFile emits each line without its line end, across chunk borders', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `line ${i} ${'é'.repeat(i % 7)}`);
    const file = path.join(dir, 'in.txt');
    await fs.writeFile(file, lines.join('\r\n') + '\n');
    const env = StreamEnvironment.create({ batchSize: 333 });
    const out = await env.readTextFile(file).executeAndCollect();
    expect(out).to.deep.equal(lines);
  });

  it('readTextFile keeps a last line without a line end', async () => {
    const file = path.join(dir, 'in.txt');
    await fs.writeFile(file, 'a\nb');
    const out = await StreamEnvironment.create().readTextFile(file).executeAndCollect();
    expect(out).to.deep.equal(['a', 'b']);
  });

  it('a missing file fails the job with the path in the error', async () => {
    const env = StreamEnvironment.create();
    const error = await env
      .readTextFile(path.join(dir, 'missing.txt'))
      .executeAndCollect()
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect(error?.message).to.include('missing.txt');
  });

  it('TextFileSink writes one part file per instance, one line per record', async () => {
    const env = StreamEnvironment.create({ parallelism: 2 });
    const out = path.join(dir, 'out');
    env.fromCollection([1, 2, 3, 4, 5, 6]).rebalance().map((n) => ({ n })).sinkTo(new TextFileSink(out));
    await env.execute('files');
    expect((await fs.readdir(out)).sort()).to.deep.equal(['part-0', 'part-1']);
    expect(await fs.readFile(path.join(out, 'part-0'), 'utf8')).to.equal('{"n":1}\n{"n":3}\n{"n":5}\n');
    expect(await fs.readFile(path.join(out, 'part-1'), 'utf8')).to.equal('{"n":2}\n{"n":4}\n{"n":6}\n');
  });
});
