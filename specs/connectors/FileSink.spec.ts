import { expect } from 'chai';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FileSink, FileTransaction } from '../../src/connectors/FileSink';
import { TwoPhaseCommitWriter } from '../../src/graph/TwoPhaseCommitSink';

type Writer<T> = TwoPhaseCommitWriter<T, FileTransaction>;

describe('connectors/FileSink', () => {
  let dir: string;
  let writers: Array<Writer<unknown>>;

  beforeEach(async () => {
    dir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-file-sink-')), 'out');
    writers = [];
  });
  afterEach(async () => {
    // Close every writer first: no file handle outlives the test.
    for (const w of writers) await w.close?.();
    await fs.rm(path.dirname(dir), { recursive: true, force: true });
  });

  /** A writer of sink instance `index`, opened (the operator opens it before anything else). */
  async function writerOf<T>(index: number, sink: FileSink<T> = new FileSink<T>(dir)): Promise<Writer<T>> {
    const w = sink.createWriter({ index, parallelism: 16, jobName: 'file-sink-spec' });
    writers.push(w as Writer<unknown>);
    await w.open?.();
    return w;
  }

  const listing = async () => (await fs.readdir(dir)).sort();
  const visible = async () => (await listing()).filter((n) => !n.startsWith('.'));
  const read = (name: string) => fs.readFile(path.join(dir, name), 'utf8');
  const inProgress = (txn: FileTransaction) => `.${txn.part}.inprogress`;

  it('names a transaction after its instance, so part files of one instance sort in the order they were begun', async () => {
    const w = await writerOf<string>(3);
    const txns: FileTransaction[] = [];
    for (let i = 0; i < 5; i++) txns.push(await w.beginTransaction());
    for (const t of txns) expect(t.part).to.match(/^part-3-[0-9a-z]{9}-[0-9a-z]{4}$/);
    expect(txns.map((t) => t.part)).to.deep.equal([...txns.map((t) => t.part)].sort());
    expect(new Set(txns.map((t) => t.part)).size).to.equal(5);
    for (const t of txns) await w.abort(t);
  });

  it('keeps records of an open transaction invisible: only the hidden in-progress file exists', async () => {
    const w = await writerOf<string>(0);
    const txn = await w.beginTransaction();
    await w.write(txn, ['a', 'b']);
    expect(await listing()).to.deep.equal([inProgress(txn)]);
    expect(await visible()).to.deep.equal([]);
    await w.preCommit(txn);
    expect(await listing(), 'pre-committed: durable, still invisible').to.deep.equal([inProgress(txn)]);
    expect(await read(inProgress(txn))).to.equal('a\nb\n');
  });

  it('after preCommit and commit, the visible part file holds exactly the lines written, in order', async () => {
    const w = await writerOf<string>(0);
    const txn = await w.beginTransaction();
    await w.write(txn, ['one', 'two']);
    await w.write(txn, []);
    await w.write(txn, ['three']);
    await w.preCommit(txn);
    await w.commit(txn);
    expect(await listing()).to.deep.equal([txn.part]);
    expect(await read(txn.part)).to.equal('one\ntwo\nthree\n');
  });

  it('writes records that are not strings as JSON, or with the format given', async () => {
    const json = await writerOf<{ n: number }>(0);
    const t1 = await json.beginTransaction();
    await json.write(t1, [{ n: 1 }, { n: 2 }]);
    await json.preCommit(t1);
    await json.commit(t1);
    expect(await read(t1.part)).to.equal('{"n":1}\n{"n":2}\n');

    const csv = await writerOf<[string, number]>(1, new FileSink<[string, number]>(dir, ([k, v]) => `${k},${v}`));
    const t2 = await csv.beginTransaction();
    await csv.write(t2, [['a', 1], ['b', 2]]);
    await csv.preCommit(t2);
    await csv.commit(t2);
    expect(await read(t2.part)).to.equal('a,1\nb,2\n');
  });

  it('commits an empty transaction as an empty part file', async () => {
    const w = await writerOf<string>(0);
    const txn = await w.beginTransaction();
    await w.preCommit(txn);
    await w.commit(txn);
    expect(await listing()).to.deep.equal([txn.part]);
    expect(await read(txn.part)).to.equal('');
  });

  it('commit is idempotent: committing again leaves the part file as it is', async () => {
    const w = await writerOf<string>(0);
    const txn = await w.beginTransaction();
    await w.write(txn, ['x']);
    await w.preCommit(txn);
    await w.commit(txn);
    await w.commit(txn);
    expect(await listing()).to.deep.equal([txn.part]);
    expect(await read(txn.part)).to.equal('x\n');
  });

  it('a new writer commits a pre-committed transaction read back from a checkpoint, as after a crash', async () => {
    const sink = new FileSink<string>(dir);
    const before = await writerOf(0, sink);
    const txn = await before.beginTransaction();
    await before.write(txn, ['kept']);
    await before.preCommit(txn);
    const stored = sink.transactionSerializer.serialize(txn);

    const after = await writerOf(0, new FileSink<string>(dir));
    const restored = sink.transactionSerializer.deserialize(stored);
    if (restored._tag !== 'Right') return expect.fail(restored.left);
    await after.commit(restored.right);
    await after.commit(restored.right); // and again, if the restore itself is retried
    expect(await listing()).to.deep.equal([txn.part]);
    expect(await read(txn.part)).to.equal('kept\n');
  });

  it('refuses a transaction handle from a checkpoint that is not one', () => {
    const { transactionSerializer } = new FileSink<string>(dir);
    expect(transactionSerializer.deserialize('{"file":"x"}')._tag).to.equal('Left');
    expect(transactionSerializer.deserialize('not json')._tag).to.equal('Left');
  });

  it('refuses to commit a transaction whose in-progress and part files are both missing, naming the file', async () => {
    const w = await writerOf<string>(0);
    const txn = await w.beginTransaction();
    await w.abort(txn);
    const error = await Promise.resolve(w.commit(txn)).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).to.equal(`cannot commit ${path.join(dir, txn.part)}: neither it nor its in-progress file exists`);
  });

  it('abort deletes the in-progress file and leaves nothing visible', async () => {
    const w = await writerOf<string>(0);
    const txn = await w.beginTransaction();
    await w.write(txn, ['gone']);
    await w.abort(txn);
    expect(await listing()).to.deep.equal([]);
  });

  it('abort of a pre-committed transaction deletes it too, and aborting again is harmless', async () => {
    const w = await writerOf<string>(0);
    const txn = await w.beginTransaction();
    await w.write(txn, ['gone']);
    await w.preCommit(txn);
    await w.abort(txn);
    await w.abort(txn);
    expect(await listing()).to.deep.equal([]);
  });

  it('keeps transactions apart: aborting one leaves the other to commit', async () => {
    const w = await writerOf<string>(0);
    const first = await w.beginTransaction();
    const second = await w.beginTransaction();
    await w.write(first, ['1']);
    await w.write(second, ['2']);
    await w.abort(first);
    await w.preCommit(second);
    await w.commit(second);
    expect(await listing()).to.deep.equal([second.part]);
    expect(await read(second.part)).to.equal('2\n');
  });

  it("abortLingering deletes this instance's in-progress files no checkpoint knows, and keeps known ones, committed ones and other instances' files", async () => {
    // Instance 1 of a former run: a committed part, a known (promised) transaction, two lingering ones.
    const former = await writerOf<string>(1);
    const committed = await former.beginTransaction();
    await former.write(committed, ['c']);
    await former.preCommit(committed);
    await former.commit(committed);
    const known = await former.beginTransaction();
    await former.write(known, ['k']);
    await former.preCommit(known);
    const lingering = [await former.beginTransaction(), await former.beginTransaction()];
    for (const t of lingering) await former.write(t, ['l']);
    // Instances 10 and 0 share prefixes with 1 and 0-padding games: their files are not instance 1's.
    const ten = await writerOf<string>(10);
    const tenTxn = await ten.beginTransaction();
    const zero = await writerOf<string>(0);
    const zeroTxn = await zero.beginTransaction();
    await former.close?.();

    const restored = await writerOf<string>(1);
    await restored.abortLingering?.([known]);
    expect(await listing()).to.deep.equal([inProgress(known), inProgress(tenTxn), inProgress(zeroTxn), committed.part].sort());
    expect(await read(inProgress(known))).to.equal('k\n');
    await ten.abort(tenTxn);
    await zero.abort(zeroTxn);
  });

  it('deletes, after a scale-down, the lingering files of former instances j with j mod parallelism = its index, never a listed one', async () => {
    // Instances 0, 1 and 2 of a run at parallelism 3 each leave a lingering file; instance 2's transaction is listed.
    const former = await Promise.all([0, 1, 2].map((i) => writerOf<string>(i)));
    const lingering = await Promise.all(former.map((w) => w.beginTransaction()));
    const listed = await former[2].beginTransaction();
    for (const w of former) await w.close?.();

    const restored = new FileSink<string>(dir).createWriter({ index: 0, parallelism: 2, jobName: 'file-sink-spec' });
    writers.push(restored as Writer<unknown>);
    await restored.abortLingering?.([listed]);
    expect(await listing()).to.deep.equal([inProgress(lingering[1]), inProgress(listed)].sort());
  });

  it('keeps no file open when it is closed while a transaction is being begun', async () => {
    const w = await writerOf<string>(0);
    const begun = Promise.resolve(w.beginTransaction());
    await w.close?.();
    const error = await begun.then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).to.match(/writer 0 is closed; transaction part-0-\S+ not begun/);
    expect(await listing(), 'its in-progress file is gone with its handle').to.deep.equal([]);
  });

  it('close releases open transactions without deleting them (a restore decides their fate)', async () => {
    const w = await writerOf<string>(0);
    const txn = await w.beginTransaction();
    await w.write(txn, ['pending']);
    await w.close?.();
    expect(await listing()).to.deep.equal([inProgress(txn)]);
    expect(await read(inProgress(txn))).to.equal('pending\n');
  });
});
